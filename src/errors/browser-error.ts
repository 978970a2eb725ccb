import type { Codes } from './error-code.js';
import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

export type BrowserErrorCode = Codes<'CHROMIUM_NOT_FOUND' | 'BROWSER_FAILED'>;

/** Chromium is missing, would not start, or died under the flow. */
export class BrowserError extends AutologinError {
  override readonly name = 'BrowserError';
  readonly code: BrowserErrorCode;
  readonly exitCode: ExitCode;
  readonly retryable: boolean;

  constructor(code: BrowserErrorCode, message: string, options: AutologinErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.exitCode = code === 'CHROMIUM_NOT_FOUND' ? ExitCode.CONFIG : ExitCode.FAILURE;
    this.retryable = code === 'BROWSER_FAILED';
  }
}
