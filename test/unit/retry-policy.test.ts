import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/errors/index.js';
import { RULES } from '../../src/ledger/attempt-rules.js';
import { backoffMs, decideRetry, RETRY_LIMITS } from '../../src/schedule/retry-policy.js';

const now = new Date('2026-11-23T02:00:05Z'); // 07:30:05 IST
const deadline = new Date('2026-11-23T03:30:00Z'); // 09:00 IST
const fresh = { attempts: 1, totpRejections: 0, pagesUnrecognised: 0 };

describe('retry policy', () => {
  it('never retries a rejection, an unseen answer or a refusal of the ledger', () => {
    for (const code of ['CREDENTIALS_REJECTED', 'USER_NOT_FOUND', 'ACCOUNT_BLOCKED', 'SUBMISSION_UNKNOWN', 'HALTED', 'ATTEMPT_BUDGET_SPENT', 'SAVE_FAILED'] as const satisfies readonly ErrorCode[]) {
      expect(decideRetry({ code, retryable: false }, fresh, now, deadline)).toMatchObject({ retry: false });
    }
  });

  it('retries a rejected TOTP once, at the start of the next 30 s window, then stops', () => {
    const first = decideRetry({ code: 'TOTP_REJECTED', retryable: false }, { ...fresh, totpRejections: 1 }, now, deadline);
    expect(first).toEqual({ retry: true, delayMs: 25_000, reason: expect.any(String) });
    const second = decideRetry({ code: 'TOTP_REJECTED', retryable: false }, { ...fresh, attempts: 2, totpRejections: 2 }, now, deadline);
    expect(second).toMatchObject({ retry: false });
  });

  it('retries what a retry can fix, with growing jittered delays', () => {
    const decisions = [1, 2, 3, 4].map((attempts) => decideRetry({ code: 'KITE_UNAVAILABLE', retryable: true }, { ...fresh, attempts }, now, deadline, () => 1));
    expect(decisions.map((d) => (d.retry ? d.delayMs : -1))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(backoffMs(10, () => 1)).toBe(RETRY_LIMITS.maxDelayMs);
    expect(backoffMs(1, () => 0)).toBe(5_000);
  });

  it('does not retry past the deadline, past the attempt cap, or what cannot change', () => {
    const late = new Date(deadline.getTime() - 1_000);
    expect(decideRetry({ code: 'KITE_UNAVAILABLE', retryable: true }, fresh, late, deadline, () => 1)).toMatchObject({ retry: false, reason: expect.stringMatching(/deadline/) });
    expect(decideRetry({ code: 'KITE_UNAVAILABLE', retryable: true }, { ...fresh, attempts: RETRY_LIMITS.maxAttempts }, now, deadline)).toMatchObject({ retry: false });
    expect(decideRetry({ code: 'API_SECRET_REJECTED', retryable: false }, fresh, now, deadline)).toMatchObject({ retry: false });
  });

  it('an unrecognised page is retried a few times only', () => {
    expect(decideRetry({ code: 'PAGE_UNRECOGNISED', retryable: true }, { ...fresh, pagesUnrecognised: 2 }, now, deadline)).toMatchObject({ retry: true });
    expect(decideRetry({ code: 'PAGE_UNRECOGNISED', retryable: true }, { ...fresh, pagesUnrecognised: 3 }, now, deadline)).toMatchObject({ retry: false });
  });
});

describe('a code sent and never answered', () => {
  it('is tried once more in a later window, like a rejected one; a password never answered is not', () => {
    expect(decideRetry({ code: 'SUBMISSION_UNKNOWN', retryable: false, step: 'second-factor' }, { ...fresh, totpRejections: 1 }, now, deadline)).toMatchObject({ retry: true, delayMs: 25_000 });
    expect(decideRetry({ code: 'SUBMISSION_UNKNOWN', retryable: false, step: 'credentials' }, fresh, now, deadline)).toMatchObject({ retry: false });
  });
});

describe('the policy and the ledger agree on codes', () => {
  it('a rejected or unanswered code is retried until the ledger\'s daily TOTP budget, no further', () => {
    for (let failures = 1; failures <= RULES.totpNotAccepted; failures += 1) {
      const unanswered = decideRetry({ code: 'SUBMISSION_UNKNOWN', step: 'second-factor', retryable: false }, { ...fresh, totpRejections: failures }, now, deadline);
      expect(unanswered.retry, `${failures} failures`).toBe(failures < RULES.totpNotAccepted);
    }
    // An unanswered password is not a TOTP failure: never retried.
    expect(decideRetry({ code: 'SUBMISSION_UNKNOWN', step: 'credentials', retryable: false }, { ...fresh, totpRejections: 0 }, now, deadline)).toMatchObject({ retry: false });
  });
});
