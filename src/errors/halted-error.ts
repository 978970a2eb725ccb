import { AutologinError, ExitCode } from './autologin-error.js';

/**
 * An earlier run had the credentials or the TOTP rejected; nothing logs in again until a
 * person runs `kite-autologin resume` or the credentials change.
 */
export class HaltedError extends AutologinError {
  override readonly name = 'HaltedError';
  readonly code = 'HALTED';
  readonly exitCode = ExitCode.REJECTED;
  readonly retryable = false;
}
