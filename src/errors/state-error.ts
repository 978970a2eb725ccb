import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

/**
 * A record the tool keeps about the account (the attempt ledger, the state file, the lock)
 * cannot be read, parsed or written. The tool refuses to log in rather than guess: a record
 * it cannot read may hold the rejection that makes the next attempt the fifth.
 */
export class StateError extends AutologinError {
  override readonly name = 'StateError';
  readonly code = 'STATE_UNREADABLE';
  readonly exitCode = ExitCode.CONFIG;
  readonly retryable = false;
  /** The file at fault. */
  readonly file: string;

  constructor(file: string, message: string, options: AutologinErrorOptions = {}) {
    super(`${file}: ${message}`, options);
    this.file = file;
  }
}
