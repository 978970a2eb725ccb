import {
  KiteRejectedError, KiteUnavailableError, PageError, SessionError,
  type AutologinError, type LoginStep,
} from '../errors/index.js';

const ATTEMPTS = /(\d+)\s+attempts?\s+remain/i;

/**
 * Turns a message shown on the Kite page into our typed error. `step` is the step whose
 * submission the message answers: an "Invalid ..." after the TOTP is about the TOTP even
 * when it does not say so. An unknown message after a password or TOTP was submitted is
 * treated as possibly a rejection, and so is not retried.
 */
export function errorFromKiteMessage(message: string, step: LoginStep): AutologinError {
  const attemptsMatch = ATTEMPTS.exec(message);
  const attemptsRemaining = attemptsMatch ? Number(attemptsMatch[1]) : undefined;
  if (/blocked|locked|too\s+many\s+attempts/i.test(message)) {
    return new KiteRejectedError('ACCOUNT_BLOCKED', message, { step, attemptsRemaining });
  }
  if (/invalid\s+`?api_key`?/i.test(message)) {
    return new SessionError('API_KEY_REJECTED', `Kite rejected KITE_API_KEY: "${message}"`, { step });
  }
  if (/totp|app\s*code|\bpin\b|\botp\b|2fa|two[- ]factor/i.test(message)) {
    return new KiteRejectedError('TOTP_REJECTED', message, { step, attemptsRemaining });
  }
  if (/invalid|incorrect|wrong\s+(?:user|password|credentials|totp|pin|code)|not\s+found|attempts?\s+remain/i.test(message)) {
    const code = step === 'second-factor' ? 'TOTP_REJECTED' : 'CREDENTIALS_REJECTED';
    return new KiteRejectedError(code, message, { step, attemptsRemaining });
  }
  // Only after the rejections: "Invalid password. Please try again." is a rejection.
  if (/too\s+many\s+requests|try\s+again|something\s+went\s+wrong|temporarily|maintenance|service\s+unavailable|unavailable|bad\s+gateway|timed?\s*out/i.test(message)) {
    return new KiteUnavailableError(`Kite is busy or down: "${message}"`, { step });
  }
  const afterSecret = step === 'credentials' || step === 'second-factor';
  return new PageError(
    'PAGE_UNRECOGNISED',
    `Kite showed a message this tool does not know at step ${step}: "${message}".${afterSecret ? ' Not retried: it may be a rejection.' : ''}`,
    { step, retryable: !afterSecret },
  );
}
