import type { Codes } from './error-code.js';
import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

export type RefusedCode = Codes<'HALTED' | 'ATTEMPT_BUDGET_SPENT'>;

/**
 * The attempt ledger forbids a submission: an earlier rejection or unseen answer stopped the
 * account (HALTED, until `resume` or changed credentials), or today's budget of submissions
 * is spent (ATTEMPT_BUDGET_SPENT, until tomorrow IST). Nothing was typed.
 */
export class RefusedError extends AutologinError {
  override readonly name = 'RefusedError';
  readonly code: RefusedCode;
  readonly exitCode = ExitCode.REJECTED;
  readonly retryable = false;

  constructor(code: RefusedCode, message: string, options: AutologinErrorOptions = {}) {
    super(message, options);
    this.code = code;
  }
}
