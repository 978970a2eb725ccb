import type { ErrorCode } from '../errors/error-code.js';
import { anotherTotpAllowed, isTotpFailure } from '../ledger/stop-codes.js';

/** What the policy needs to know of a failed attempt. */
export interface FailedAttempt {
  code: ErrorCode;
  retryable: boolean;
  step?: string | undefined;
}

export interface RetryState {
  /** Attempts made so far this morning, including the one that just failed. */
  attempts: number;
  /** TOTP rejections so far this morning. */
  totpRejections: number;
  /** Unrecognised pages so far this morning. */
  pagesUnrecognised: number;
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason: string };

export const RETRY_LIMITS = {
  /**
   * A runaway guard only: an attempt that fails before any secret is sent costs the account
   * nothing, and the attempt ledger bounds those that send one (3 passwords a day).
   */
  maxAttempts: 200,
  maxPagesUnrecognised: 3,
  /** The first retry's delay ceiling (RETRY_BACKOFF_SECONDS). */
  baseDelayMs: 10_000,
  maxDelayMs: 120_000,
} as const;


/**
 * After a failed attempt: try again, when and why, or give up for the morning. Rejections,
 * unknown answers and the ledger's refusals are not retryable (whether the account stops is
 * the ledger's rule, not this one's); a rejected TOTP is tried once more, in a later 30 s
 * window, as the ledger allows. What a retry
 * can fix (network, 5xx, 429, an expired request_token, a page not recognised a few times)
 * is retried with exponential backoff and jitter, while the deadline allows.
 */
export function decideRetry(
  failure: FailedAttempt,
  state: RetryState,
  now: Date,
  deadline: Date,
  random: () => number = Math.random,
  baseDelayMs: number = RETRY_LIMITS.baseDelayMs,
): RetryDecision {
  // A code rejected, or sent and never answered: the ledger allows one more today, from a later window.
  if (isTotpFailure(failure)) {
    // The ledger allows a second code today only from a later window: the attempt waits for it.
    if (!anotherTotpAllowed(state.totpRejections)) return { retry: false, reason: 'the TOTP was rejected twice' };
    const nextWindow = 30_000 - (now.getTime() % 30_000);
    if (now.getTime() + nextWindow > deadline.getTime()) return { retry: false, reason: 'the deadline has passed' };
    return { retry: true, delayMs: nextWindow, reason: 'the TOTP was rejected once: one more try in the next 30 s window' };
  }
  if (!failure.retryable) return { retry: false, reason: `${failure.code} cannot be fixed by trying again` };
  if (failure.code === 'PAGE_UNRECOGNISED' && state.pagesUnrecognised >= RETRY_LIMITS.maxPagesUnrecognised) {
    return { retry: false, reason: `the page was not recognised ${state.pagesUnrecognised} times` };
  }
  if (state.attempts >= RETRY_LIMITS.maxAttempts) return { retry: false, reason: `${state.attempts} attempts made` };
  const delayMs = backoffMs(state.attempts, random, baseDelayMs);
  if (now.getTime() + delayMs > deadline.getTime()) return { retry: false, reason: 'the deadline has passed' };
  return { retry: true, delayMs, reason: `${failure.code} may pass` };
}

/** Exponential backoff with "equal jitter": uniform between half and all of base * 2^(n-1), capped. */
export function backoffMs(attempts: number, random: () => number = Math.random, baseDelayMs: number = RETRY_LIMITS.baseDelayMs): number {
  const ceiling = Math.min(RETRY_LIMITS.maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
