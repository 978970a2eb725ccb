import type { Codes } from './error-code.js';
import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

export type PageErrorCode = Codes<'PAGE_UNRECOGNISED' | 'TWOFA_UNSUPPORTED'>;

/**
 * The browser showed something the login flow does not know: Kite changed its page, a
 * captcha or maintenance page, or a second factor other than TOTP. Diagnostics (a
 * screenshot and the page's HTML, password emptied) are saved and named here.
 */
export class PageError extends AutologinError {
  override readonly name = 'PageError';
  readonly exitCode = ExitCode.PAGE_UNRECOGNISED;
  readonly code: PageErrorCode;
  /** An unknown page may be a passing maintenance page; an unsupported factor is not. */
  readonly retryable: boolean;
  readonly diagnostics: readonly string[];

  constructor(
    code: PageErrorCode,
    message: string,
    options: AutologinErrorOptions & { diagnostics?: readonly string[]; retryable?: boolean } = {},
  ) {
    const files = options.diagnostics ?? [];
    super(files.length > 0 ? `${message} Diagnostics saved: ${files.join(', ')}` : message, options);
    this.code = code;
    this.retryable = options.retryable ?? code === 'PAGE_UNRECOGNISED';
    this.diagnostics = files;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), diagnostics: this.diagnostics };
  }
}
