import { isAutologinError, type AutologinError } from './autologin-error.js';
import { BrowserError } from './browser-error.js';
import { describeUnexpected } from './describe-unexpected.js';

/**
 * What was thrown, as a typed error: ours pass through unchanged; anything else (a browser
 * that crashed or a page that closed under the flow, in practice: the other outside systems
 * are wrapped where they are called) becomes BROWSER_FAILED, which a later attempt with a
 * fresh browser may fix. Its message keeps only
 * what describeUnexpected allows (no call log, no query string: no secret).
 * Called once at each edge a login's errors cross: the attempt process's boundary and the
 * in-process login (loginUnderLedger); code between them only ever sees typed errors.
 */
export function toAutologinError(error: unknown): AutologinError {
  if (isAutologinError(error)) return error;
  return new BrowserError('BROWSER_FAILED', `Unexpected failure: ${describeUnexpected(error)}`);
}
