import { AutologinError, ExitCode } from './autologin-error.js';

/** The command line itself is wrong (unknown command or option). */
export class UsageError extends AutologinError {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  readonly exitCode = ExitCode.CONFIG;
  readonly retryable = false;
}
