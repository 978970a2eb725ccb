import { AutologinError, ExitCode } from './autologin-error.js';

/**
 * A login attempt outlived its one overall deadline (derived from STEP_TIMEOUT_SECONDS): a
 * page whose script locked up, a browser that stopped answering. It was abandoned (its
 * browser context closed, its lock and its turn released). When nothing secret was in flight
 * a later attempt may pass; a secret in flight was recorded as unknown, which stops the
 * account, and that is reported as SUBMISSION_UNKNOWN instead.
 */
export class AttemptTimeoutError extends AutologinError {
  override readonly name = 'AttemptTimeoutError';
  readonly code = 'ATTEMPT_TIMEOUT';
  readonly exitCode = ExitCode.FAILURE;
  readonly retryable = true;
}
