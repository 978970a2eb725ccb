import type { ErrorCode } from '../errors/error-code.js';
import { RULES, type Refusal, type Stop } from './attempt-rules.js';

/**
 * What the ledger's rule set means for a failed attempt's code, asked by whoever decides what
 * comes next (the retry policy, the morning, the account's stop). The rules themselves are in
 * attempt-rules.ts; this is the one place that reads codes against them.
 */
export interface FailedCode {
  code: ErrorCode;
  step?: string | undefined;
}

/** The ledger refused before anything was typed because the account is stopped (until `resume` or changed credentials). */
export function isAccountStopped(code: ErrorCode): boolean {
  return code === 'HALTED';
}

/** The refusal, if it is the account's stop (a code's window refusal is not: it passes with the next window). */
export function stopIn(refusal: Refusal | undefined): Stop | undefined {
  return refusal?.code === 'HALTED' ? refusal : undefined;
}

/**
 * A TOTP code Kite rejected, or sent with its answer never seen: it counts against the day's
 * budget of failed codes, and the rules allow another only from a later 30 s window.
 */
export function isTotpFailure(failure: FailedCode): boolean {
  return failure.code === 'TOTP_REJECTED' || (failure.code === 'SUBMISSION_UNKNOWN' && failure.step === 'second-factor');
}

/** After this many TOTP failures, may one more code be tried (in a later window)? */
export function anotherTotpAllowed(totpFailures: number): boolean {
  return totpFailures < RULES.totpNotAccepted;
}
