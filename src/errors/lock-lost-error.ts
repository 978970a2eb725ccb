import { AutologinError, ExitCode } from './autologin-error.js';

/**
 * This process can no longer be sure it holds the account lock: another kite-autologin took
 * it over (this one stopped refreshing it, e.g. while paused or suspended), it was removed,
 * or too long has passed since it was last refreshed. The login stops before it submits a
 * password: two logins at once spend the account's password attempts and end each other's
 * sessions. Retryable: a fresh attempt acquires the lock again.
 */
export class LockLostError extends AutologinError {
  override readonly name = 'LockLostError';
  readonly code = 'LOCK_LOST';
  readonly exitCode = ExitCode.FAILURE;
  readonly retryable = true;
}
