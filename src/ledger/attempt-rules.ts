import type { ErrorCode } from '../errors/error-code.js';
import type { AnswerKind, Factor, LedgerRecord, SubmitRecord } from './records.js';

/**
 * The one rule set on submitting secrets to Kite. Five wrong passwords or five wrong second
 * factors block a Zerodha account, and a submission whose answer we did not see may have
 * been a wrong one, so:
 * - password: a rejection, a block or an unknown outcome stops the account until `resume`
 *   or changed credentials; at most 3 submissions a day in all (transient answers included:
 *   even if each hid a rejection, Kite's counter stays at 3 of 5);
 * - TOTP: at most 2 rejected or unknown codes a day in all; the second only in a later
 *   window, with Kite's clock measured; two on one day stop the account like a password.
 * Budgets are per IST day and survive `resume`; stops are cleared by it.
 */
export const RULES = {
  passwordSubmissionsPerDay: 3,
  totpFailuresPerDay: 2,
} as const;

/** A submission with its answer. `pending`: no answer recorded (read without the lock). */
export interface Submission extends SubmitRecord { outcome: AnswerKind | 'pending'; code?: ErrorCode | undefined; status?: number | undefined; answeredAt?: string | undefined }

/** Submissions in order, each with its answer. `settled`: a missing answer is `unknown` (the reader holds the lock, so nobody else is waiting for it). */
export function submissionsOf(records: readonly LedgerRecord[], settled: boolean): Submission[] {
  const answers = new Map<string, Extract<LedgerRecord, { type: 'outcome' }>>();
  for (const r of records) if (r.type === 'outcome') answers.set(r.id, r);
  return records.filter((r): r is SubmitRecord => r.type === 'submit').map((s) => {
    const answer = answers.get(s.id);
    return answer
      ? { ...s, outcome: answer.outcome, code: answer.code, status: answer.status, answeredAt: answer.at }
      : { ...s, outcome: settled ? 'unknown' : 'pending' };
  });
}

export interface RuleInput {
  records: readonly LedgerRecord[];
  /** Today, the IST day on Kite's clock. */
  today: string;
  /** Prints of the credentials configured now (they differ from a record's when changed since). */
  prints: Record<Factor, string>;
  /** Missing answers count as unknown (true when the caller holds the account's lock). */
  settled: boolean;
}

/** `cause`: the code that stopped the account. */
export type Stop = { code: 'HALTED'; factor: Factor; since: string; cause: ErrorCode; message: string };
export type Refusal = Stop | { code: 'ATTEMPT_BUDGET_SPENT'; factor: Factor; since: string; cause: string; message: string };

export interface Verdict {
  /** Why no login may start now, if so. */
  refusal: Refusal | undefined;
  /** Password submissions left today. */
  passwordLeft: number;
  /** Rejected or unknown codes still allowed today. */
  totpLeft: number;
  /** The window of today's failed code: a second code must come from a later one. */
  failedTotpWindow: number | undefined;
  today: Submission[];
  lastResume: string | undefined;
}

const FAILED: ReadonlySet<string> = new Set(['rejected', 'blocked', 'unknown']);

export function judge(input: RuleInput): Verdict {
  const all = submissionsOf(input.records, input.settled);
  const resumeIndex = input.records.findLastIndex((r) => r.type === 'resume');
  const resumeAt = input.records[resumeIndex];
  const position = new Map(input.records.map((r, i) => [r.type === 'submit' ? r.id : undefined, i] as const));
  const sinceResume = all.filter((s) => (position.get(s.id) ?? -1) > resumeIndex);
  const today = all.filter((s) => s.day === input.today);
  const failedToday = today.filter((s) => s.factor === 'totp' && FAILED.has(s.outcome));
  const passwordToday = today.filter((s) => s.factor === 'password');

  const refusal = stopOf(input, sinceResume, resumeIndex) ?? budgetOf(passwordToday, failedToday);
  return {
    refusal,
    passwordLeft: Math.max(0, RULES.passwordSubmissionsPerDay - passwordToday.length),
    totpLeft: Math.max(0, RULES.totpFailuresPerDay - failedToday.length),
    failedTotpWindow: failedToday.at(-1)?.window,
    today,
    lastResume: resumeAt?.type === 'resume' ? resumeAt.at : undefined,
  };
}

function stopOf(input: RuleInput, sinceResume: Submission[], resumeIndex: number): Stop | undefined {
  // The ledger's own account: the command to clear the stop names it (with several accounts, a bare resume is refused).
  const header = input.records.find((r) => r.type === 'header');
  const stop = (factor: Factor, since: string, cause: ErrorCode, why: string): Stop => stopFor(header?.userId, factor, since, cause, why);
  // A blocked account stays blocked whatever is configured; a rejection or an unknown
  // answer stops until the credential it was about changes.
  const blocked = sinceResume.find((s) => s.outcome === 'blocked');
  if (blocked) return stop(blocked.factor, blocked.answeredAt ?? blocked.at, blocked.code ?? 'ACCOUNT_BLOCKED', 'Kite said the account is blocked');
  const password = sinceResume.find((s) => s.factor === 'password' && FAILED.has(s.outcome) && s.print === input.prints.password);
  if (password) {
    return stop('password', password.answeredAt ?? password.at, password.code ?? 'SUBMISSION_UNKNOWN', password.outcome === 'unknown'
      ? 'a password was submitted and its answer never seen (it may have been a rejection)'
      : 'Kite rejected the user id or password');
  }
  const byDay = new Map<string, Submission[]>();
  for (const s of sinceResume) {
    if (s.factor !== 'totp' || !FAILED.has(s.outcome) || s.print !== input.prints.totp) continue;
    byDay.set(s.day, [...(byDay.get(s.day) ?? []), s]);
  }
  for (const failures of byDay.values()) {
    if (failures.length >= RULES.totpFailuresPerDay) {
      const last = failures.at(-1) as Submission;
      return stop('totp', last.answeredAt ?? last.at, last.code ?? 'TOTP_REJECTED', `${failures.length} codes were rejected or unanswered on ${last.day}`);
    }
  }
  const imported = input.records.slice(resumeIndex + 1).find((r) => r.type === 'stop' && r.print === input.prints[r.factor]);
  if (imported?.type === 'stop') return stop(imported.factor, imported.at, imported.code, imported.note);
  return undefined;
}

function stopFor(userId: string | undefined, factor: Factor, since: string, cause: ErrorCode, why: string): Stop {
  const fix = factor === 'password'
    ? 'Check the user id and password on kite.zerodha.com by hand, fix the configuration'
    : 'Check KITE_TOTP_SECRET and this machine\'s clock (timedatectl; the log names Kite\'s clock offset)';
  return {
    code: 'HALTED', factor, since, cause,
    message: `Stopped since ${since}: ${why} (${cause}). Nothing is submitted again until you fix it. ${fix}, then run \`kite-autologin resume${userId ? ` --account ${userId}` : ''}\` (changed credentials also clear it).`,
  };
}

function budgetOf(passwordToday: Submission[], failedToday: Submission[]): Refusal | undefined {
  if (passwordToday.length >= RULES.passwordSubmissionsPerDay) {
    const last = passwordToday.at(-1) as Submission;
    return {
      code: 'ATTEMPT_BUDGET_SPENT', factor: 'password', since: last.at, cause: 'password budget',
      message: `${passwordToday.length} password submissions today already (the limit is ${RULES.passwordSubmissionsPerDay} a day, so that Kite's count of wrong attempts can never reach 5). No login until tomorrow (IST); \`kite-autologin status\` lists them.`,
    };
  }
  if (failedToday.length >= RULES.totpFailuresPerDay) {
    const last = failedToday.at(-1) as Submission;
    return {
      code: 'ATTEMPT_BUDGET_SPENT', factor: 'totp', since: last.at, cause: 'TOTP budget',
      message: `${failedToday.length} TOTP codes were rejected or unanswered today (the limit is ${RULES.totpFailuresPerDay} a day). No login until tomorrow (IST); check KITE_TOTP_SECRET and this machine's clock.`,
    };
  }
  return undefined;
}

/** May a code of `window` be submitted now (after `judge` found no refusal)? */
export function totpAllowed(verdict: Verdict, window: number, clockMeasured: boolean): { ok: true } | { ok: false; why: string } {
  if (verdict.totpLeft <= 0) return { ok: false, why: 'no TOTP attempt is left today' };
  if (verdict.failedTotpWindow === undefined) return { ok: true };
  if (!clockMeasured) return { ok: false, why: 'a second code today needs Kite\'s clock measured first, and it could not be' };
  if (window <= verdict.failedTotpWindow) return { ok: false, why: 'a second code today must come from a later 30 s window than the rejected one' };
  return { ok: true };
}

/**
 * For readers without the credentials (`status`, `health`, `resume`): the failed submissions
 * and carried-over stops since the last resume (`settled`: nobody holds the account's lock,
 * so a submission without an answer was cut short and counts as unknown). Each stops the account unless the credential
 * it was about has changed since (which only a login, holding the secrets, can tell).
 */
export function failuresSinceResume(records: readonly LedgerRecord[], settled: boolean): { failures: Submission[]; stops: Extract<LedgerRecord, { type: 'stop' }>[] } {
  const resumeIndex = records.findLastIndex((r) => r.type === 'resume');
  const after = records.slice(resumeIndex + 1);
  const ids = new Set(after.filter((r) => r.type === 'submit').map((r) => r.id));
  const failures = submissionsOf(records, settled).filter((s) => ids.has(s.id) && FAILED.has(s.outcome));
  const stops = after.filter((r): r is Extract<LedgerRecord, { type: 'stop' }> => r.type === 'stop');
  return { failures, stops };
}
