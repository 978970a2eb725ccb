import { RULES } from '../ledger/attempt-rules.js';
import type { Account } from '../ledger/account-ledger.js';
import type { Submission } from '../ledger/attempt-rules.js';
import { describeHookRun } from '../hook/describe-hook-run.js';
import type { HookRun, LastAttempt } from '../state/autologin-state.js';
import { describeOffset } from '../time/clock-offset.js';

/** Kite's answer to "is this token still good?" (`status --check`). */
export type KiteCheck = { accepts: true } | { accepts: false; reason: string };

/** The saved token as `status` shows it: never the token itself. */
export type TokenStatus =
  | { state: 'missing' }
  | { state: 'unreadable'; reason: string }
  | {
      state: 'saved';
      userId: string;
      userName: string;
      apiKey: string;
      loginTime: string;
      expiresAt: string;
      /** Issued after the last 06:00 IST and not yet expired (the token itself, not Kite's word). */
      current: boolean;
      /**
       * `record`: the token shown is the one the account's record keeps (a database: another
       * host's login, or a copy into TOKEN_FILE that did not land), current and newer than the
       * file's; this host's TOKEN_FILE does not hold it yet (the next login or beat copies it).
       */
      keptIn?: 'record' | undefined;
      /** Only when Kite was asked (and the token was current). */
      kite?: KiteCheck | undefined;
    };

/** One submission of the IST day, as `status` shows it. */
export interface SubmissionLine {
  at: string;
  factor: Submission['factor'];
  outcome: Submission['outcome'];
  code: string | null;
  via: string;
}

/** Everything `status` says about one account: gathered by commands/status.ts, rendered below as text or JSON. */
export interface StatusReport {
  /** The account's `name` in ACCOUNTS_FILE, shown beside its user id; absent for the single KITE_* account. */
  name?: string | undefined;
  tokenFile: string;
  token: TokenStatus;
  /** The token the account's record keeps could not be read (a database): why. No login starts until it answers. */
  recordTokenUnreadable?: string | undefined;
  /** A current token, and Kite accepts it when it was asked. `status` exits 0 only when true. */
  valid: boolean;
  daemon: { pid: number; startedAt: string; heartbeatAt: string } | null;
  /** As the state file holds it. */
  lastAttempt: LastAttempt | null;
  /** Whose ledger and state file were read; null when there is no account to name. */
  account: Account | null;
  ledgerFile: string | null;
  submissionsToday: SubmissionLine[];
  lastResume: string | null;
  stopped: { since: string; causes: string[]; advice: string } | null;
  /** Submissions not accepted since the last accepted one of their factor (and the last resume): what Kite may count as wrong. */
  counted: { password: number; totp: number };
  /** An attempt that hung past its deadline and was abandoned, until a login succeeds. */
  hung: { at: string; step?: string | undefined; message: string } | null;
  /** As the state file holds it. */
  kiteClock: { offsetMs: number; measuredAt: string } | null;
  /** The next three scheduled runs, ISO 8601 in IST. */
  nextRuns: string[];
  /** The last run of ON_TOKEN_COMMAND, as the morning record holds it; absent or null when none ever ran. */
  hook?: HookRun | null | undefined;
}

/*
 * Two pure renderings of the same reports. One report (one account) renders as it always
 * has; several render as a table (text) or `{"accounts": [...]}` (JSON).
 */

/** `status --json`: one line. The keys and their order are what scripts read; never the token itself. */
export function renderStatusJson(reports: readonly StatusReport[], options: { list?: boolean } = {}): string {
  const [only] = reports;
  return JSON.stringify(reports.length === 1 && only && !options.list ? jsonOf(only) : { accounts: reports.map(jsonOf) });
}

/** `status`: the lines a person reads. `list`: a table even for one account (ACCOUNTS_FILE). */
export function renderStatusText(reports: readonly StatusReport[], options: { list?: boolean } = {}): string[] {
  const [only] = reports;
  return reports.length === 1 && only && !options.list ? accountLines(only) : tableLines(reports);
}

function jsonOf(r: StatusReport): Record<string, unknown> {
  const t = r.token;
  const token = t.state === 'saved'
    ? {
        tokenFile: r.tokenFile, userId: t.userId, userName: t.userName, apiKey: t.apiKey, loginTime: t.loginTime, expiresAt: t.expiresAt, valid: r.valid,
        ...(t.keptIn ? { keptIn: t.keptIn } : {}),
        ...(t.kite ? { kiteAccepts: t.kite.accepts, ...(t.kite.accepts ? {} : { reason: t.kite.reason }) } : {}),
      }
    : { tokenFile: r.tokenFile, token: t.state === 'missing' ? 'none' : `unreadable (${t.reason})`, valid: r.valid };
  return {
    ...(r.name === undefined ? {} : { name: r.name }),
    ...token,
    ...(r.recordTokenUnreadable === undefined ? {} : { recordToken: `unreadable (${r.recordTokenUnreadable})` }),
    daemon: r.daemon,
    lastAttempt: r.lastAttempt,
    account: r.account,
    ledger: r.ledgerFile,
    submissionsToday: r.submissionsToday,
    lastResume: r.lastResume,
    stopped: r.stopped,
    counted: r.counted,
    hung: r.hung,
    kiteClock: r.kiteClock,
    nextRuns: r.nextRuns,
    // Only once a command has run: the keys before it are what scripts have always read.
    ...(r.hook ? { hook: r.hook } : {}),
  };
}

function accountLines(r: StatusReport): string[] {
  const lines: string[] = [];
  const t = r.token;
  if (t.state !== 'saved') {
    lines.push(`No valid token: ${t.state === 'missing' ? `no token file at ${r.tokenFile}` : `${r.tokenFile} is unreadable (${t.reason})`}.`);
  } else {
    const checked = t.kite === undefined ? '' : t.kite.accepts ? ' (Kite accepts it)' : ` (Kite does not accept it: ${t.kite.reason})`;
    lines.push(
      `Token file:   ${r.tokenFile}${t.keptIn === 'record' ? ` (does not hold it yet: this is the token kept in the account's record${r.ledgerFile ? `, ${r.ledgerFile}` : ''}; the next login or beat copies it here)` : ''}`,
      `User:         ${t.userId}${t.userName ? ` (${t.userName})` : ''}`,
      `Login time:   ${t.loginTime}`,
      `Expires at:   ${t.expiresAt}`,
      `Valid:        ${r.valid ? 'yes' : 'no'}${checked}`,
    );
  }
  if (r.recordTokenUnreadable !== undefined) lines.push(`Record token: unreadable (${r.recordTokenUnreadable}): no login starts until it answers, unless TOKEN_FILE holds a token Kite accepts`);
  lines.push(`Daemon:       ${r.daemon ? `pid ${r.daemon.pid} since ${r.daemon.startedAt}, heartbeat ${r.daemon.heartbeatAt}` : 'not running'}`);
  lines.push(`Last attempt: ${describeLastAttempt(r)}`);
  lines.push(`Today (IST):  ${r.submissionsToday.length === 0 ? 'nothing sent to Kite' : r.submissionsToday.map(describeSubmission).join('; ')}`);
  if (r.counted.password > 0 || r.counted.totp > 0) {
    lines.push(`Counted:      ${r.counted.password} of ${RULES.passwordNotAccepted} passwords and ${r.counted.totp} of ${RULES.totpNotAccepted} codes not accepted since the last accepted one (Kite may count them as wrong)`);
  }
  if (r.stopped) lines.push(`STOPPED:      since ${r.stopped.since} after ${r.stopped.causes.join(', ')}. ${r.stopped.advice}`);
  if (r.hung) lines.push(`HUNG:         an attempt hung${r.hung.step ? ` at step ${r.hung.step}` : ''} at ${r.hung.at} and was abandoned; no login has succeeded since`);
  if (r.kiteClock) lines.push(`Kite's clock: ${describeOffset(r.kiteClock.offsetMs)} (measured ${r.kiteClock.measuredAt})`);
  if (r.hook) lines.push(`${r.hook.result === 'ok' ? 'Last hook:   ' : 'HOOK FAILED: '} ${describeHook(r.hook)}`);
  lines.push(`Next runs:    ${r.nextRuns.join(', ') || 'none in the next year'}`);
  return lines;
}

/** One row per account; what is the same for all (the schedule) once, below. */
function tableLines(reports: readonly StatusReport[]): string[] {
  const rows = [
    ['Account', 'Token', 'Expires at', 'Last attempt', 'Stopped'],
    ...reports.map((r) => [
      `${r.name === undefined ? '' : `${r.name} `}${r.account ? `${r.account.userId} (${r.account.apiKey})` : r.token.state === 'saved' ? r.token.userId : '?'}`,
      r.valid ? 'valid' : r.token.state === 'saved' ? 'not valid' : r.token.state === 'missing' ? 'none' : 'unreadable',
      r.token.state === 'saved' ? r.token.expiresAt : '-',
      r.lastAttempt ? `${r.lastAttempt.at} ${r.lastAttempt.result}${r.lastAttempt.code ? ` ${r.lastAttempt.code}` : ''}` : 'none',
      r.stopped ? `since ${r.stopped.since} after ${r.stopped.causes.join(', ')}` : 'no',
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  const lines = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
  if (reports.some((r) => r.stopped)) lines.push('', 'A stopped account logs in again once fixed and `kite-autologin resume --account USER_ID` is run for it (`status` for one account says what clears its stop).');
  for (const r of reports.filter((x) => x.hung)) lines.push(`${r.account?.userId ?? '?'}: an attempt hung at ${r.hung?.at ?? '?'} and was abandoned; no login has succeeded since.`);
  for (const r of reports) if (r.hook && r.hook.result !== 'ok') lines.push(`HOOK FAILED: ${r.account?.userId ?? '?'}: ${describeHook(r.hook)}`);
  lines.push('', `Next runs:    ${reports[0]?.nextRuns.join(', ') || 'none in the next year'}`);
  return lines;
}

function describeLastAttempt(r: StatusReport): string {
  const last = r.lastAttempt;
  if (!last) return 'none';
  return `${last.at} (${last.day}, ${last.trigger}): ${last.result}${last.code ? ` ${last.code}` : ''}${last.step ? ` at ${last.step}` : ''}, ${last.attempts} attempt(s)`;
}

/** `ON_TOKEN_COMMAND (curl) at ... for the token valid until ...: failed: exit code 7 (0.1s)`. */
function describeHook(run: HookRun): string {
  return `ON_TOKEN_COMMAND (${run.command}) at ${run.at} for the token valid until ${run.expiresAt || 'unknown'}: ${describeHookRun(run)}`;
}

function describeSubmission(s: SubmissionLine): string {
  const answer = s.outcome === 'pending' ? 'no answer recorded (in progress, or unknown)' : s.outcome === 'not-sent' ? 'not sent' : s.outcome;
  return `${s.factor} at ${s.at.slice(11, 19)}Z ${answer}${s.code ? ` (${s.code})` : ''} via ${s.via}`;
}
