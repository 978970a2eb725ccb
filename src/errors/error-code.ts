/**
 * Every code an AutologinError can carry: the one list. Scripts, alerts, the ledger and the
 * state file key on these, so they never change meaning. Where a code is compared or stored
 * it is typed `ErrorCode`, so a misspelt one does not compile.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'USAGE',
  'STATE_UNREADABLE',
  'CHROMIUM_NOT_FOUND',
  'BROWSER_FAILED',
  'PAGE_UNRECOGNISED',
  'TWOFA_UNSUPPORTED',
  'TOTP_NOT_ENABLED',
  'CREDENTIALS_REJECTED',
  'TOTP_REJECTED',
  'USER_NOT_FOUND',
  'ACCOUNT_BLOCKED',
  'SUBMISSION_UNKNOWN',
  'KITE_UNAVAILABLE',
  'REDIS_UNAVAILABLE',
  'REQUEST_TOKEN_EXPIRED',
  'API_KEY_REJECTED',
  'API_SECRET_REJECTED',
  'TOKEN_REJECTED',
  'TOKEN_USER_MISMATCH',
  'KITE_ERROR',
  'HALTED',
  'ATTEMPT_BUDGET_SPENT',
  'LOCKED',
  'LOCK_LOST',
  'SAVE_FAILED',
  'ABORTED',
  'ATTEMPT_TIMEOUT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A subset of the codes, checked against the list: `Codes<'TOTP_REJECTD'>` does not compile. */
export type Codes<T extends ErrorCode> = T;

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** For text read back from a file or another process. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}
