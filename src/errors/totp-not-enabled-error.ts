import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

/**
 * Kite asks for a second factor other than an external TOTP (the Kite app's App Code, an
 * SMS OTP): a TOTP typed there would be a wrong second factor, and five block the account.
 * No code was typed; the account stops until external TOTP is set up (its key in
 * KITE_TOTP_SECRET) and `resume` is run.
 */
export class TotpNotEnabledError extends AutologinError {
  override readonly name = 'TotpNotEnabledError';
  readonly code = 'TOTP_NOT_ENABLED';
  readonly exitCode = ExitCode.REJECTED;
  readonly retryable = false;
  /** What Kite asked for, as it named it (`app_code`, `sms`...), or the page's own words. */
  readonly asked: string;

  constructor(asked: string, options: AutologinErrorOptions & { userId?: string | undefined } = {}) {
    super(`Kite asks for ${asked} as the second factor, not an external TOTP: no code was typed (a TOTP there would count as a wrong second factor). `
      + 'Enable external TOTP on kite.zerodha.com (My profile > Password & Security > External TOTP), put its key in KITE_TOTP_SECRET, '
      + `then run \`kite-autologin resume${options.userId ? ` --account ${options.userId}` : ''}\` (a changed KITE_TOTP_SECRET also clears the stop).`, options);
    this.asked = asked;
  }
}
