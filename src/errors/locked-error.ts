import { AutologinError, ExitCode } from './autologin-error.js';

/** Another kite-autologin (the daemon, a manual login) is logging in with the same token file. */
export class LockedError extends AutologinError {
  override readonly name = 'LockedError';
  readonly code = 'LOCKED';
  readonly exitCode = ExitCode.FAILURE;
  readonly retryable = true;
}
