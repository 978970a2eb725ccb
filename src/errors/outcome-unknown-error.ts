import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

/**
 * A password or code was sent to Kite and its answer was never seen (no answer within the
 * bound, the page or the process died). It may have been a rejection, so it counts as one:
 * the account stops like after a rejected password.
 */
export class OutcomeUnknownError extends AutologinError {
  override readonly name = 'OutcomeUnknownError';
  readonly code = 'SUBMISSION_UNKNOWN';
  readonly exitCode = ExitCode.REJECTED;
  readonly retryable = false;
  /** The screenshot and HTML of the page as it was when the answer was given up on. */
  readonly diagnostics: readonly string[];

  constructor(message: string, options: AutologinErrorOptions & { diagnostics?: readonly string[] } = {}) {
    const files = options.diagnostics ?? [];
    super(files.length > 0 ? `${message} Diagnostics saved: ${files.join(', ')}` : message, options);
    this.diagnostics = files;
  }

  /** The same error, with the diagnostics saved for it. */
  withDiagnostics(files: readonly string[]): OutcomeUnknownError {
    return files.length === 0 ? this : new OutcomeUnknownError(this.message, { step: this.step, diagnostics: files });
  }
}
