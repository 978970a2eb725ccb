import { describe, expect, it } from 'vitest';
import { errorFromKiteMessage } from '../../src/kite/kite-messages.js';
import { sdkError } from '../../src/kite/session.js';

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
