import { worstExitCode } from '../accounts/worst-exit-code.js';
import { viewAccount } from '../account/account-view.js';
import { isTodaysTokenFor } from '../account/todays-token.js';
import type { AccountRecord } from '../account/record.js';
import { observerConfigFrom, type ObserverConfig } from '../config/load.js';
import { ExitCode, isAutologinError } from '../errors/autologin-error.js';
import { nextRuns } from '../schedule/plan.js';
import type { AutologinState } from '../state/autologin-state.js';
import { renderStatusJson, renderStatusText, type KiteCheck, type StatusReport, type TokenStatus } from '../status/status-report.js';
import { formatIst, istDate } from '../time/ist.js';
import { isTokenCurrent, TokenStore, type SavedToken, type TokenRead } from '../token-store.js';
import { calendarFor, scheduleFor } from '../wiring/from-config.js';
import { openAccounts } from '../wiring/open-accounts.js';
import type { TokenVerdict } from '../login/verify-saved-token.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the saved token, the last attempt and the next runs',
  usage: `Usage: kite-autologin status [--check] [--json] [--account USER_ID]

Says whose token is saved (TOKEN_FILE), when it was issued, when it expires (06:00 IST) and
whether it is still valid; then the daemon, the last attempt, any stop after a rejection,
the last run of ON_TOKEN_COMMAND (when one ran), and the next scheduled runs. Exits 0 only when a valid token exists.

With ACCOUNTS_FILE: one row per account (or only --account's), and --json gives
{"accounts": [...]}; exits 0 only when every account has a valid token.

Options:
  --check     also ask Kite (GET /user/profile) whether it still accepts the token
  --json      print the same as one JSON object (never the token itself)
  --account USER_ID
              only this account of ACCOUNTS_FILE (without ACCOUNTS_FILE: must be KITE_USER_ID)
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('status', ctx.args, {
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      account: { type: 'string' },
    });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const opened = await openAccounts({ env: ctx.env, cwd: ctx.cwd, account: values.account, config: observerConfigFrom, use: 'read' });
    const now = new Date();
    // kiteconnect loads only for --check.
    const askKite = (config: ObserverConfig) => async (shown: ShownToken): Promise<KiteCheck> => {
      const [{ createKiteSession }, { verifySavedToken }] = await Promise.all([import('../kite/session.js'), import('../login/verify-saved-token.js')]);
      // The record's token is shown: Kite is asked about the account's own tokens only (another user's newer file token is no answer about it).
      const verdict = await verifySavedToken(new TokenStore(config.tokenFile), shown.kept ? shown.account : undefined, (apiKey) => createKiteSession({ apiKey, root: config.apiRoot }), now, shown.kept ? () => Promise.resolve(shown.kept) : undefined);
      return checkOf(verdict, shown.kept);
    };
    // With several accounts, one whose records cannot be read is listed apart (exit 2 for it);
    // the others are still reported. One account: the error is the command's, as ever.
    const unreadable: { userId: string | undefined; code: string; message: string; exitCode: number }[] = [];
    const gathered = await Promise.all(opened.entries.map(async ({ configured, config, record }) => {
      try {
        const report = await gatherStatus({ config, record, now, askKite: values.check ? askKite(config) : undefined });
        return configured.place !== undefined && configured.label !== configured.userId ? { ...report, name: configured.label } : report;
      } catch (error) {
        if (!opened.fromFile || !isAutologinError(error)) throw error;
        unreadable.push({ userId: configured.userId, code: error.code, message: error.message, exitCode: error.exitCode });
        return undefined;
      }
    })).finally(() => opened.close());
    const reports = gathered.filter((report) => report !== undefined);
    const list = { list: opened.fromFile };
    if (values.json) {
      const json = renderStatusJson(reports, list);
      ctx.out(unreadable.length === 0 ? json : JSON.stringify({ ...(JSON.parse(json) as object), unreadable: unreadable.map(({ userId, code, message }) => ({ userId, code, message })) }));
    } else {
      for (const line of renderStatusText(reports, list)) ctx.out(line);
      for (const u of unreadable) ctx.out(`[${u.userId ?? '?'}] cannot be read: ${u.code}: ${u.message}`);
    }
    return worstExitCode([...reports.map((report) => (report.valid ? ExitCode.OK : ExitCode.FAILURE)), ...unreadable.map((u) => u.exitCode)]);
  },
};

/** The token `status` shows: the record's (`kept`), or the file's; and whose account it is. */
export interface ShownToken { kept?: SavedToken | undefined; account?: AccountRecord['account'] | undefined }

/** Kite's word on the token shown: the record's, when that is the one shown (Kite may still accept the file's older one). */
export function checkOf(verdict: TokenVerdict, kept: SavedToken | undefined): KiteCheck {
  if (kept && verdict.valid && verdict.from !== 'record') return { accepts: false, reason: 'Kite does not accept the token the record keeps (it accepts the older one in TOKEN_FILE)' };
  return verdict.valid ? { accepts: true } : { accepts: false, reason: verdict.reason };
}

export interface StatusSources {
  config: ObserverConfig;
  /** The account's record; undefined when the account cannot be named (no KITE_USER_ID, no saved token). */
  record: AccountRecord | undefined;
  now: Date;
  /** Asks Kite about a current token (`--check`): the file's, or `kept`, the record's. Default: Kite is not asked. */
  askKite?: ((shown: ShownToken) => Promise<KiteCheck>) | undefined;
}

/**
 * Reads the token file and the token the account's record keeps, the account's ledger and state
 * file, and plans the next runs. The token shown is the file's, or the record's when that one is
 * the account's, current and newer (as `login` and the daemon choose it; nothing is written here).
 */
export async function gatherStatus({ config, record, now, askKite }: StatusSources): Promise<StatusReport> {
  // Read at once: each read waits on the disk (or the database), not on the others.
  const [file, kept, view, state] = await Promise.all([
    new TokenStore(config.tokenFile).read(),
    record ? record.readToken() : Promise.resolve<TokenRead>({ state: 'missing' }),
    record ? viewAccount(record, now) : Promise.resolve(undefined),
    record ? record.morning.read() : Promise.resolve<AutologinState>({}),
  ]);
  const fromRecord = record && kept.state === 'ok' && isTodaysTokenFor(kept.token, record.account, now)
    && (file.state !== 'ok' || !isTodaysTokenFor(file.token, record.account, now) || Date.parse(kept.token.login_time) > Date.parse(file.token.login_time))
    ? kept.token : undefined;
  const read: TokenRead = fromRecord ? { state: 'ok', token: fromRecord } : file;
  const today = istDate(now);
  const ledger = view?.ledger;

  let token: TokenStatus;
  let valid = false;
  if (read.state !== 'ok') {
    token = read;
  } else {
    const t = read.token;
    const current = isTokenCurrent(t, now);
    const kite = current && askKite ? await askKite({ kept: fromRecord, account: record?.account }) : undefined;
    valid = kite ? kite.accepts : current;
    token = { state: 'saved', userId: t.user_id, userName: t.user_name, apiKey: t.api_key, loginTime: t.login_time, expiresAt: t.expires_at, current, kite, ...(fromRecord ? { keptIn: 'record' as const } : {}) };
  }
  return {
    tokenFile: config.tokenFile,
    token,
    ...(kept.state === 'unreadable' ? { recordTokenUnreadable: kept.reason } : {}),
    valid,
    daemon: state.daemon ? { pid: state.daemon.pid, startedAt: state.daemon.startedAt, heartbeatAt: state.daemon.heartbeatAt } : null,
    lastAttempt: state.lastAttempt ?? null,
    account: record?.account ?? null,
    ledgerFile: record?.place ?? null,
    submissionsToday: (ledger?.submissions() ?? []).filter((s) => s.day === today)
      .map((s) => ({ at: s.at, factor: s.factor, outcome: s.outcome, code: s.code ?? null, via: s.via })),
    lastResume: ledger?.records.findLast((r) => r.type === 'resume')?.at ?? null,
    stopped: view?.stop ?? null,
    counted: { password: view?.counted.filter((c) => c.factor === 'password').length ?? 0, totp: view?.counted.filter((c) => c.factor === 'totp').length ?? 0 },
    hung: state.hung ?? null,
    kiteClock: state.kiteClock ?? null,
    nextRuns: nextRuns(scheduleFor(config), calendarFor(config), now, 3).map(formatIst),
    hook: state.hook ?? null,
  };
}
