import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../src/kite/kite-answer.js';
import { KiteClock } from '../../src/kite/kite-clock.js';

const kite = (_status: number, message: string, errorType = 'InputException', data: unknown = null): string =>
  JSON.stringify({ status: 'error', message, error_type: errorType, data });

describe('Kite\'s answer to a submission', () => {
  it.each([
    ['2xx', { kind: 'response', status: 200, body: '{"status":"success","data":{}}' }, 'password', 'accepted', undefined],
    ['a wrong password', { kind: 'response', status: 403, body: kite(403, 'Invalid account credentials. 4 attempts remain', 'InputException', { attempts_remaining: 4 }) }, 'password', 'rejected', 'CREDENTIALS_REJECTED'],
    ['an unknown user', { kind: 'response', status: 400, body: kite(400, 'User profile not found') }, 'password', 'rejected', 'USER_NOT_FOUND'],
    ['a blocked account', { kind: 'response', status: 403, body: kite(403, 'Your account has been blocked after too many failed attempts.', 'UserException') }, 'password', 'blocked', 'ACCOUNT_BLOCKED'],
    ['a wrong code', { kind: 'response', status: 403, body: kite(403, 'Invalid TOTP', 'TwoFAException') }, 'totp', 'rejected', 'TOTP_REJECTED'],
    ['a 503 with Kite\'s body', { kind: 'response', status: 503, body: kite(503, 'Service unavailable', 'GeneralException') }, 'password', 'transient', 'KITE_UNAVAILABLE'],
    ['a 502 from a proxy', { kind: 'response', status: 502, body: '<html>502 Bad Gateway</html>' }, 'totp', 'transient', 'KITE_UNAVAILABLE'],
    ['a 429', { kind: 'response', status: 429, body: kite(429, 'Too many requests', 'NetworkException') }, 'password', 'transient', 'KITE_UNAVAILABLE'],
    ['a reset connection after the secret left', { kind: 'failed', reason: 'net::ERR_CONNECTION_RESET' }, 'password', 'unknown', 'SUBMISSION_UNKNOWN'],
    ['no answer', { kind: 'none', waitedMs: 15_000 }, 'password', 'unknown', 'SUBMISSION_UNKNOWN'],
    ['a 403 that is not Kite\'s', { kind: 'response', status: 403, body: '<html>Forbidden</html>' }, 'totp', 'unknown', 'SUBMISSION_UNKNOWN'],
  ] as const)('%s', (_name, answer, factor, kind, code) => {
    const classified = classifyAnswer(answer, factor);
    expect(classified.kind).toBe(kind);
    expect(classified.error?.code).toBe(code);
  });

  it('a rejection is exit 3 and not retryable; a transient one is retryable', () => {
    const rejected = classifyAnswer({ kind: 'response', status: 403, body: kite(403, 'Invalid TOTP') }, 'totp').error;
    expect(rejected).toMatchObject({ exitCode: 3, retryable: false });
    expect(classifyAnswer({ kind: 'response', status: 503, body: undefined }, 'totp').error).toMatchObject({ retryable: true });
    expect(classifyAnswer({ kind: 'none', waitedMs: 1 }, 'totp').error).toMatchObject({ exitCode: 3, retryable: false });
  });
});

describe('Kite\'s clock from Date headers', () => {
  it('narrows the offset from one-second Date headers to well under a second', () => {
    // Kite's clock is 35.4 s ahead; requests take 20 ms; responses at various sub-second phases.
    const clock = new KiteClock(() => 0);
    const offset = 35_400;
    for (const sent of [1_000, 1_350, 1_720, 2_910, 3_480]) {
      const kiteAt = sent + 10 + offset;
      clock.observe(kiteAt - (kiteAt % 1000), sent, sent + 20);
    }
    expect(clock.measured).toBe(true);
    expect(Math.abs(clock.offsetMs - offset)).toBeLessThanOrEqual(clock.uncertaintyMs);
    expect(clock.uncertaintyMs).toBeLessThan(500);
  });

  it('is unmeasured (offset 0) until a response is seen, and starts again when Kite\'s clock is stepped', () => {
    const clock = new KiteClock(() => 10_000);
    expect(clock.measured).toBe(false);
    expect(clock.now()).toBe(10_000);
    clock.observe(5_000, 5_000, 5_010);
    clock.observe(65_000, 6_000, 6_010);
    expect(Math.abs(clock.offsetMs - 59_000)).toBeLessThanOrEqual(1_000);
  });
});
