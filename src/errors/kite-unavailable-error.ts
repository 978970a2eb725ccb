import { AutologinError, ExitCode } from './autologin-error.js';

/** Kite could not be reached or answered with a server error, a timeout or a rate limit. */
export class KiteUnavailableError extends AutologinError {
  override readonly name = 'KiteUnavailableError';
  readonly code = 'KITE_UNAVAILABLE';
  readonly exitCode = ExitCode.FAILURE;
  readonly retryable = true;
}
