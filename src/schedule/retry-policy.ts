/** What the policy needs to know of a failed attempt. */
export interface FailedAttempt {
  code: string;
  retryable: boolean;
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
  | { retry: false; halt: boolean; reason: string };

export const RETRY_LIMITS = {
  maxAttempts: 8,
  maxPagesUnrecognised: 3,
  /** The first retry's delay ceiling (RETRY_BACKOFF_SECONDS). */
  baseDelayMs: 10_000,
  maxDelayMs: 120_000,
} as const;

/** Codes after which no attempt is made again until a person says so (or the credentials change). */
export const HALTING_CODES: ReadonlySet<string> = new Set(['CREDENTIALS_REJECTED', 'ACCOUNT_BLOCKED']);

/**
 * After a failed attempt: try again, when and why, or stop. A rejected password or user id
 * is never retried and stops the tool until cleared (five wrong attempts block the account);
 * a rejected TOTP is retried once, in the next 30 s window, then stops it too. What a retry
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
  if (HALTING_CODES.has(failure.code)) return { retry: false, halt: true, reason: `${failure.code}: never retried` };
  if (failure.code === 'TOTP_REJECTED') {
    if (state.totpRejections >= 2) return { retry: false, halt: true, reason: 'the TOTP was rejected twice' };
    const nextWindow = 30_000 - (now.getTime() % 30_000);
    if (now.getTime() + nextWindow > deadline.getTime()) return { retry: false, halt: false, reason: 'the deadline has passed' };
    return { retry: true, delayMs: nextWindow, reason: 'the TOTP was rejected once: one more try in the next 30 s window' };
  }
  if (!failure.retryable) return { retry: false, halt: false, reason: `${failure.code} cannot be fixed by trying again` };
  if (failure.code === 'PAGE_UNRECOGNISED' && state.pagesUnrecognised >= RETRY_LIMITS.maxPagesUnrecognised) {
    return { retry: false, halt: false, reason: `the page was not recognised ${state.pagesUnrecognised} times` };
  }
  if (state.attempts >= RETRY_LIMITS.maxAttempts) return { retry: false, halt: false, reason: `${state.attempts} attempts made` };
  const delayMs = backoffMs(state.attempts, random, baseDelayMs);
  if (now.getTime() + delayMs > deadline.getTime()) return { retry: false, halt: false, reason: 'the deadline has passed' };
  return { retry: true, delayMs, reason: `${failure.code} may pass` };
}

/** Exponential backoff with "equal jitter": uniform between half and all of base * 2^(n-1), capped. */
export function backoffMs(attempts: number, random: () => number = Math.random, baseDelayMs: number = RETRY_LIMITS.baseDelayMs): number {
  const ceiling = Math.min(RETRY_LIMITS.maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
