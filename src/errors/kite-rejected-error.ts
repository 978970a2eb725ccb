import type { Codes } from './error-code.js';
import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

export type KiteRejectedCode = Codes<
  | 'CREDENTIALS_REJECTED'
  | 'TOTP_REJECTED'
  | 'USER_NOT_FOUND'
  | 'ACCOUNT_BLOCKED'
>;

/**
 * Kite said no to the user id, the password or the TOTP, or the account is blocked.
 * Never retried blindly: five wrong attempts block the account.
 */
export class KiteRejectedError extends AutologinError {
  override readonly name = 'KiteRejectedError';
  readonly exitCode = ExitCode.REJECTED;
  readonly retryable = false;
  readonly code: KiteRejectedCode;
  /** The message the Kite page showed (it carries no secret). */
  readonly kiteMessage: string;
  readonly attemptsRemaining: number | undefined;

  constructor(
    code: KiteRejectedCode,
    kiteMessage: string,
    options: AutologinErrorOptions & { attemptsRemaining?: number | undefined } = {},
  ) {
    super(`${DESCRIPTIONS[code]} Kite said: "${kiteMessage}"`, options);
    this.code = code;
    this.kiteMessage = kiteMessage;
    this.attemptsRemaining = options.attemptsRemaining;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), attemptsRemaining: this.attemptsRemaining };
  }
}

const DESCRIPTIONS: Record<KiteRejectedCode, string> = {
  CREDENTIALS_REJECTED:
    'Kite rejected the user id or password (KITE_USER_ID / KITE_PASSWORD). Not retried: five wrong passwords block the account.',
  TOTP_REJECTED:
    'Kite rejected the TOTP. Check KITE_TOTP_SECRET and that this machine\'s clock is right (timedatectl). Not retried blindly: five wrong codes block the account.',
  USER_NOT_FOUND:
    'Kite does not know this user id (KITE_USER_ID). Not retried: it counts as a wrong attempt.',
  ACCOUNT_BLOCKED:
    'The Zerodha account is blocked after too many wrong attempts. Unblock it on kite.zerodha.com (reset with CAPTCHA) before running again.',
};
