import type { ErrorCode } from '../errors/error-code.js';
import type { Factor, LedgerRecord, OutcomeKind, SubmitRecord } from './records.js';

/**
 * The one rule set on submitting secrets to Kite, modelled on Kite's own counter: five wrong
 * passwords, or five wrong second factors, block a Zerodha account; an accepted one is not
 * wrong, and resets Kite's count of that factor (midnight does not). A submission whose
 * answer we did not see, or that got a 5xx, may have been a wrong one, so the counts here
 * take every answer but "accepted" (and "not sent") as possibly wrong:
 * - password: what was not accepted since the last accepted password (and the last `resume`),
 *   across days; 3 of them stop the account until `resume`. One rejected, blocked or unknown
 *   password stops it at once, until `resume` or changed credentials.
 * - TOTP: the same count for codes; 2 stop the account until `resume`, and the second only
 *   from a later 30 s window than the first, with Kite's clock measured.
 * - a blocked answer stops the account until `resume`, whatever is configured.
 * Each factor's rules are read right before that factor is submitted; a login starts only
 * when no stop holds.
 */
export const RULES = {
  /** Passwords not accepted since the last accepted one: at this many the account stops. */
  passwordNotAccepted: 3,
  /** Codes not accepted since the last accepted one: at this many the account stops. */
  totpNotAccepted: 2,
} as const;

/** A submission with its answer. `pending`: no answer recorded (read without the lock: it may be in flight). */
export interface Submission extends SubmitRecord {
  outcome: OutcomeKind | 'pending';
  code?: ErrorCode | undefined;
  status?: number | undefined;
  answeredAt?: string | undefined;
  /** Position of its submit record in the ledger (order of submissions). */
  index: number;
}

/** Submissions in order, each with its answer. `settled`: a missing answer is `unknown` (the reader holds the lock, so nobody else is waiting for it). */
export function submissionsOf(records: readonly LedgerRecord[], settled: boolean): Submission[] {
  const answers = new Map<string, Extract<LedgerRecord, { type: 'outcome' }>>();
  for (const r of records) if (r.type === 'outcome' && !answers.has(r.id)) answers.set(r.id, r);
  const out: Submission[] = [];
  records.forEach((s, index) => {
    if (s.type !== 'submit') return;
    const answer = answers.get(s.id);
    out.push(answer
      ? { ...s, index, outcome: answer.outcome, code: answer.code, status: answer.status, answeredAt: answer.at }
      : { ...s, index, outcome: settled ? 'unknown' : 'pending' });
  });
  return out;
}

export interface RuleInput {
  records: readonly LedgerRecord[];
  /**
   * Prints of the credentials configured now (a record's differs when they changed since).
   * Undefined for readers without the secrets (`status`, `health`): every print is taken as
   * today's, the worst case; only a login can see that the credentials changed.
   */
  prints: Record<Factor, string> | undefined;
  /** Missing answers count as unknown (true when the caller holds the account's lock). */
  settled: boolean;
}

/** How a stop is cleared. */
export type Clears = 'resume' | 'resume-or-credentials';

/** `cause`: the code that stopped the account. */
export interface Stop {
  code: 'HALTED';
  factor: Factor;
  since: string;
  cause: ErrorCode;
  clears: Clears;
  /** What a person does about it (fix, then resume). */
  advice: string;
  message: string;
}
export type Refusal = Stop | { code: 'ATTEMPT_BUDGET_SPENT'; factor: Factor; since: string; cause: string; message: string };

export interface FactorCount {
  /** Submissions of the factor that may have been wrong, since its last accepted one and the last resume; oldest first. */
  notAccepted: Submission[];
  /** How many more may go unaccepted before the account stops. */
  left: number;
}

export interface Verdict {
  /** The account's stop, if any: no login may start. */
  stop: Stop | undefined;
  /** What forbids submitting each factor: the account's block, or that factor's own stop. */
  stops: Record<Factor, Stop | undefined>;
  password: FactorCount;
  /** `failedWindow`: the window of the last code counted; another must come from a later one. */
  totp: FactorCount & { failedWindow: number | undefined };
  submissions: Submission[];
  lastResume: string | undefined;
}

/** Answers that may have been wrong (Kite may have counted them): all but accepted and not sent. */
const MAY_HAVE_BEEN_WRONG: ReadonlySet<Submission['outcome']> = new Set(['rejected', 'blocked', 'unknown', 'transient', 'pending']);
/** Answers that stop at once: Kite said no, or we never saw what it said. */
const STOPS_AT_ONCE: ReadonlySet<Submission['outcome']> = new Set(['rejected', 'blocked', 'unknown']);

export function judge(input: RuleInput): Verdict {
  const submissions = submissionsOf(input.records, input.settled);
  const resumeIndex = input.records.findLastIndex((r) => r.type === 'resume');
  const resume = input.records[resumeIndex];
  const sinceResume = submissions.filter((s) => s.index > resumeIndex);
  const count = (factor: Factor, limit: number): FactorCount => {
    const own = sinceResume.filter((s) => s.factor === factor);
    const lastAccepted = own.findLastIndex((s) => s.outcome === 'accepted');
    const notAccepted = own.slice(lastAccepted + 1).filter((s) => MAY_HAVE_BEEN_WRONG.has(s.outcome));
    return { notAccepted, left: Math.max(0, limit - notAccepted.length) };
  };
  const password = count('password', RULES.passwordNotAccepted);
  const totp = count('totp', RULES.totpNotAccepted);
  const userId = input.records.find((r) => r.type === 'header')?.userId;
  const current = (factor: Factor, print: string): boolean => input.prints === undefined || input.prints[factor] === print;

  const blocked = sinceResume.find((s) => s.outcome === 'blocked');
  const blockStop = blocked && stopFor(userId, blocked.factor, blocked.answeredAt ?? blocked.at, blocked.code ?? 'ACCOUNT_BLOCKED', 'resume', 'Kite said the account is blocked');
  // An accepted submission resets Kite's count, and shows the credentials of then are right: what stopped before it is history.
  const acceptedAt = (factor: Factor): number => sinceResume.findLast((s) => s.factor === factor && s.outcome === 'accepted')?.index ?? resumeIndex;
  const imported = (factor: Factor): Stop | undefined => {
    const record = input.records.slice(acceptedAt(factor) + 1).find((r) => r.type === 'stop' && r.factor === factor && current(factor, r.print));
    return record?.type === 'stop' ? stopFor(userId, factor, record.at, record.code, 'resume-or-credentials', record.note) : undefined;
  };
  const passwordStop = (() => {
    const since = acceptedAt('password');
    const wrong = sinceResume.find((s) => s.index > since && s.factor === 'password' && STOPS_AT_ONCE.has(s.outcome) && current('password', s.print));
    if (wrong) {
      return stopFor(userId, 'password', wrong.answeredAt ?? wrong.at, wrong.code ?? 'SUBMISSION_UNKNOWN', 'resume-or-credentials', wrong.outcome === 'unknown'
        ? 'a password was submitted and its answer never seen (it may have been a rejection)'
        : 'Kite rejected the user id or password');
    }
    return countStop(userId, 'password', password, RULES.passwordNotAccepted) ?? imported('password');
  })();
  const totpStop = countStop(userId, 'totp', totp, RULES.totpNotAccepted) ?? imported('totp');
  const stops = { password: blockStop ?? passwordStop, totp: blockStop ?? totpStop };
  return {
    stop: blockStop ?? passwordStop ?? totpStop,
    stops,
    password,
    totp: { ...totp, failedWindow: totp.notAccepted.at(-1)?.window },
    submissions,
    lastResume: resume?.type === 'resume' ? resume.at : undefined,
  };
}

/** The stop when a factor's count of possibly wrong submissions has reached its limit. */
function countStop(userId: string | undefined, factor: Factor, count: FactorCount, limit: number): Stop | undefined {
  if (count.notAccepted.length < limit) return undefined;
  const last = count.notAccepted.at(-1) as Submission;
  const what = factor === 'password' ? 'password submissions' : 'TOTP codes';
  const answers = [...new Set(count.notAccepted.map((s) => s.outcome))].join(', ');
  const cause: ErrorCode = factor === 'totp' && count.notAccepted.every((s) => s.outcome === 'rejected') ? 'TOTP_REJECTED' : 'ATTEMPT_BUDGET_SPENT';
  return stopFor(userId, factor, last.answeredAt ?? last.at, cause, 'resume',
    `${count.notAccepted.length} ${what} in a row were not accepted (${answers}); Kite blocks the account at 5 wrong ones, so no more are sent`);
}

function stopFor(userId: string | undefined, factor: Factor, since: string, cause: ErrorCode, clears: Clears, why: string): Stop {
  const fix = cause === 'TOTP_NOT_ENABLED'
    ? 'Enable external TOTP on kite.zerodha.com (My profile > Password & Security > External TOTP) and put its key in KITE_TOTP_SECRET'
    : factor === 'password'
    ? 'Check the user id and password on kite.zerodha.com by hand (a login there also resets Kite\'s count), fix the configuration'
    : 'Check KITE_TOTP_SECRET and this machine\'s clock (timedatectl; the log names Kite\'s clock offset), and log in once by hand on kite.zerodha.com (it resets Kite\'s count)';
  const command = `\`kite-autologin resume${userId ? ` --account ${userId}` : ''}\``;
  const then = clears === 'resume' ? `then run ${command}` : `then run ${command} (changed credentials also clear it)`;
  const advice = `${fix}, ${then}.`;
  return {
    code: 'HALTED', factor, since, cause, clears, advice,
    message: `Stopped since ${since}: ${why} (${cause}). Nothing is submitted again until you fix it. ${advice}`,
  };
}

/**
 * What forbids submitting `factor` now, read right before it is submitted: the account's
 * block or that factor's own stop; for a code, also a window or a clock that would make a
 * second code after a failed one a guess.
 */
export function refusalBefore(verdict: Verdict, factor: Factor, code?: { window: number; clockMeasured: boolean }): Refusal | undefined {
  const stop = verdict.stops[factor];
  if (stop) return stop;
  if (factor !== 'totp' || code === undefined) return undefined;
  const allowed = totpAllowed(verdict, code.window, code.clockMeasured);
  if (allowed.ok) return undefined;
  const last = verdict.totp.notAccepted.at(-1);
  return { code: 'ATTEMPT_BUDGET_SPENT', factor, since: last?.answeredAt ?? last?.at ?? '', cause: 'TOTP window', message: `Not sending a TOTP code: ${allowed.why}.` };
}

/** May a code of `window` be submitted now (no stop holds)? */
export function totpAllowed(verdict: Verdict, window: number, clockMeasured: boolean): { ok: true } | { ok: false; why: string } {
  if (verdict.totp.left <= 0) return { ok: false, why: 'no TOTP attempt is left before a resume' };
  if (verdict.totp.failedWindow === undefined) return { ok: true };
  if (!clockMeasured) return { ok: false, why: 'a second code after a failed one needs Kite\'s clock measured first, and it could not be' };
  if (window <= verdict.totp.failedWindow) return { ok: false, why: 'a second code must come from a later 30 s window than the failed one' };
  return { ok: true };
}

/** Every submission that counts against the account now (for `status` and `resume`), oldest first. */
export function countedSubmissions(verdict: Verdict): Submission[] {
  return [...verdict.password.notAccepted, ...verdict.totp.notAccepted].sort((a, b) => a.index - b.index);
}
