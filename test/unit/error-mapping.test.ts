import { describe, expect, it } from 'vitest';
import {
  AbortedError, AttemptTimeoutError, BrowserError, ConfigError, ERROR_CODES, isErrorCode, KiteRejectedError, KiteUnavailableError, LockedError,
  LockLostError, OutcomeUnknownError, PageError, RefusedError, SaveError, SessionError, StateError, toAutologinError, TotpNotEnabledError, UsageError,
  type AutologinError, type BrowserErrorCode, type Codes, type ErrorCode, type KiteRejectedCode, type PageErrorCode,
  type RefusedCode, type SessionErrorCode,
} from '../../src/errors/index.js';
import { errorFromKiteMessage } from '../../src/kite/kite-messages.js';
import { sdkError } from '../../src/kite/session.js';
import { parseRecord } from '../../src/ledger/records.js';
import { decideRetry } from '../../src/schedule/retry-policy.js';

describe('Kite page messages to typed errors', () => {
  it.each([
    ['Invalid username or password.', 'credentials', 'CREDENTIALS_REJECTED', 3, undefined],
    ['Invalid account credentials. 4 attempts remain', 'credentials', 'CREDENTIALS_REJECTED', 3, 4],
    ['User profile not found', 'credentials', 'CREDENTIALS_REJECTED', 3, undefined],
    ['Invalid TOTP', 'second-factor', 'TOTP_REJECTED', 3, undefined],
    ['Invalid input. 2 attempts remain', 'second-factor', 'TOTP_REJECTED', 3, 2],
    ['Your account has been blocked after too many failed attempts.', 'credentials', 'ACCOUNT_BLOCKED', 3, undefined],
    ['Invalid `api_key`.', 'login-page', 'API_KEY_REJECTED', 2, undefined],
    ['Too many requests', 'credentials', 'KITE_UNAVAILABLE', 1, undefined],
    ['Something went wrong. Please try again.', 'credentials', 'KITE_UNAVAILABLE', 1, undefined],
    ['Invalid account credentials. 3 attempts remain. Please try again.', 'credentials', 'CREDENTIALS_REJECTED', 3, 3],
    ['Invalid TOTP. Please try again.', 'second-factor', 'TOTP_REJECTED', 3, undefined],
  ] as const)('"%s" at %s -> %s (exit %i)', (message, step, code, exitCode, attempts) => {
    const error = errorFromKiteMessage(message, step);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(exitCode);
    expect(error.step).toBe(step);
    if (attempts !== undefined) expect(error.toJSON()).toMatchObject({ attemptsRemaining: attempts });
  });

  it('rejections are never retryable; an unknown message after a secret was sent is not either', () => {
    expect(errorFromKiteMessage('Invalid TOTP', 'second-factor').retryable).toBe(false);
    const unknownAfterPassword = errorFromKiteMessage('Something odd happened', 'credentials');
    expect(unknownAfterPassword.code).toBe('PAGE_UNRECOGNISED');
    expect(unknownAfterPassword.retryable).toBe(false);
    expect(errorFromKiteMessage('Something odd happened', 'login-page').retryable).toBe(true);
  });
});

describe('kiteconnect SDK rejections to typed errors', () => {
  it('a bad checksum means a wrong api_secret (configuration, exit 2)', () => {
    const error = sdkError({ status: 'error', message: 'Invalid `checksum`.', data: null, error_type: 'TokenException' }, 'exchange');
    expect(error).toMatchObject({ code: 'API_SECRET_REJECTED', exitCode: 2, retryable: false });
  });

  it('a spent or stale request_token is retryable with a fresh login', () => {
    const error = sdkError({ status: 'error', message: 'Token is invalid or has expired.', error_type: 'TokenException' }, 'exchange');
    expect(error).toMatchObject({ code: 'REQUEST_TOKEN_EXPIRED', retryable: true });
    expect(sdkError({ message: 'Token is invalid or has expired.', error_type: 'TokenException' }, 'profile').code).toBe('TOKEN_REJECTED');
  });

  it('no answer, a proxy page or a 5xx is KITE_UNAVAILABLE and retryable', () => {
    for (const rejection of [
      { error_type: 'NetworkException', message: 'No response from server with error code: ECONNRESET' },
      { error_type: 'NetworkException', message: 'Bad Gateway', data: null },
      { error_type: 'GeneralException', message: 'Service unavailable' },
      { error_type: 'DataException', message: 'Unknown content type (text/html) with response: (<html>...)' },
      new Error('socket hang up'),
      'weird',
    ]) {
      expect(sdkError(rejection, 'exchange'), JSON.stringify(rejection)).toMatchObject({ code: 'KITE_UNAVAILABLE', retryable: true, exitCode: 1 });
    }
  });

  it('keeps nothing of the rejection but its type and message (it can carry the request)', () => {
    const rejection = { error_type: 'DataException', message: 'Unknown content type (text/html) with response: (request_token=SECRET123)', config: { data: 'checksum=abc' } };
    const error = sdkError(rejection, 'exchange');
    expect(error.cause).toBeUndefined();
    expect(error.message).not.toContain('SECRET123');
  });
});

describe('errors we did not raise', () => {
  it('keep only their first line: Playwright\'s call log holds the values it typed', async () => {
    const { describeUnexpected } = await import('../../src/errors/index.js');
    const playwright = new Error('locator.fill: Timeout 30000ms exceeded.\nCall log:\n  - waiting for locator(\'#password\')\n  - fill("hunter2-password")');
    expect(describeUnexpected(playwright)).toBe('locator.fill: Timeout 30000ms exceeded.');
    expect(describeUnexpected(new Error('net::ERR_CONNECTION_REFUSED at http://x/cb?request_token=abc'))).not.toContain('abc');
  });
});

describe('error codes: one typed list', () => {
  it('every error class carries a code from ERROR_CODES, and every code there is raised by some class', () => {
    const each = <C extends string>(codes: readonly C[], make: (code: C) => AutologinError): AutologinError[] => codes.map(make);
    const raised: AutologinError[] = [
      new AbortedError('x'), new AttemptTimeoutError('x'), new ConfigError([]), new KiteUnavailableError('x'), new LockedError('x'), new LockLostError('x'),
      new OutcomeUnknownError('x'), new SaveError('x'), new StateError('f', 'x'), new UsageError('x'), new TotpNotEnabledError('the App Code'),
      ...each<BrowserErrorCode>(['CHROMIUM_NOT_FOUND', 'BROWSER_FAILED'], (c) => new BrowserError(c, 'x')),
      ...each<PageErrorCode>(['PAGE_UNRECOGNISED', 'TWOFA_UNSUPPORTED'], (c) => new PageError(c, 'x')),
      ...each<RefusedCode>(['HALTED', 'ATTEMPT_BUDGET_SPENT'], (c) => new RefusedError(c, 'x')),
      ...each<KiteRejectedCode>(['CREDENTIALS_REJECTED', 'TOTP_REJECTED', 'USER_NOT_FOUND', 'ACCOUNT_BLOCKED'], (c) => new KiteRejectedError(c, 'x')),
      ...each<SessionErrorCode>(['REQUEST_TOKEN_EXPIRED', 'API_KEY_REJECTED', 'API_SECRET_REJECTED', 'TOKEN_REJECTED', 'TOKEN_USER_MISMATCH', 'KITE_ERROR'], (c) => new SessionError(c, 'x')),
    ];
    for (const error of raised) expect(isErrorCode(error.code), error.name).toBe(true);
    // REDIS_UNAVAILABLE is raised by src/redis's own error class.
    const unraised = ERROR_CODES.filter((code) => code !== 'REDIS_UNAVAILABLE' && !raised.some((e) => e.code === code));
    expect(unraised).toEqual([]);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('a misspelt code does not compile where codes are compared, passed or listed (tsc checks the lines marked)', () => {
    const error: AutologinError = new KiteRejectedError('TOTP_REJECTED', 'Invalid TOTP');
    // @ts-expect-error -- 'TOTP_REJECTD' is not an ErrorCode: the comparison has no overlap.
    const misspeltComparison = error.code === 'TOTP_REJECTD';
    expect(misspeltComparison).toBe(false);
    // @ts-expect-error -- nor may the retry policy be asked about one.
    expect(decideRetry({ code: 'TOTP_REJECTD', retryable: false }, { attempts: 1, totpRejections: 0, pagesUnrecognised: 0 }, new Date(0), new Date(60_000))).toMatchObject({ retry: false });
    // @ts-expect-error -- nor an error be made with one.
    expect(new KiteRejectedError('TOTP_REJECTD', 'x').code).toBe('TOTP_REJECTD');
    // @ts-expect-error -- nor a subset of codes name one.
    type Misspelt = Codes<'TOTP_REJECTD'>;
    const code: ErrorCode = 'TOTP_REJECTED';
    expect(isErrorCode(code)).toBe(true);
    expect(isErrorCode('TOTP_REJECTD' satisfies Misspelt)).toBe(false);
  });

  it('a ledger line with a code not in the list is not a record (it was not written by this tool)', () => {
    const line = (code: string): string => JSON.stringify({ v: 1, type: 'outcome', id: 'a1', at: '2026-11-23T02:00:00.000Z', outcome: 'rejected', code });
    expect(parseRecord(line('TOTP_REJECTED'))).toMatchObject({ type: 'outcome', code: 'TOTP_REJECTED' });
    expect(parseRecord(line('TOTP_REJECTD'))).toEqual({ problem: 'is not a valid outcome record' });
  });
});

describe('toAutologinError: the one conversion at a login\'s edges', () => {
  it('passes a typed error through unchanged (the same object, code and step)', () => {
    const typed = new KiteRejectedError('TOTP_REJECTED', 'Invalid TOTP', { step: 'second-factor' });
    expect(toAutologinError(typed)).toBe(typed);
    const refused = new RefusedError('HALTED', 'stopped');
    expect(toAutologinError(refused)).toBe(refused);
  });

  it('turns anything else into a retryable BROWSER_FAILED that says no secret', () => {
    const playwright = new Error('page.fill: Target page, context or browser has been closed\nCall log:\n  - fill("hunter2-password")');
    for (const thrown of [playwright, new Error('net::ERR_ABORTED at http://127.0.0.1/cb?request_token=tok123&status=success'), 'a string', undefined]) {
      const error = toAutologinError(thrown);
      expect(error).toBeInstanceOf(BrowserError);
      expect(error).toMatchObject({ code: 'BROWSER_FAILED', retryable: true, exitCode: 1 });
      expect(error.message).toMatch(/^Unexpected failure: /);
      expect(error.message).not.toMatch(/hunter2|tok123/);
    }
    expect(toAutologinError(playwright).message).toBe('Unexpected failure: page.fill: Target page, context or browser has been closed');
  });
});
