import { AutologinError, ExitCode } from './autologin-error.js';

/**
 * Kite issued a session but its token could not be saved. Never retried: each new login
 * would end the session the previous one created, and fail the same way.
 */
export class SaveError extends AutologinError {
  override readonly name = 'SaveError';
  readonly code = 'SAVE_FAILED';
  readonly exitCode = ExitCode.FAILURE;
  readonly retryable = false;
}
