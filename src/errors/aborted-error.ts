import { AutologinError, ExitCode } from './autologin-error.js';

/** The run was stopped by a signal (Ctrl-C, SIGTERM) or a deadline. */
export class AbortedError extends AutologinError {
  override readonly name = 'AbortedError';
  readonly code = 'ABORTED';
  readonly exitCode = ExitCode.INTERRUPTED;
  readonly retryable = false;
}
