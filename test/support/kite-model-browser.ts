import { BrowserError, type LoginStep } from '../../src/errors/index.js';

/*
 * The browser, for the attempt rules' property tests: one Chromium shared by every account (a
 * context each). A crash ends every context at once; a submission in flight in one of them
 * loses its answer (unknown for that account alone); the others fail before they type
 * (BROWSER_FAILED).
 */

/** One account's context in the shared browser. */
export interface PageContext { account: number; crashed: boolean }

/** The one Chromium every account's login shares. */
export class BrowserModel {
  #contexts = new Set<PageContext>();
  crashes = 0;

  open(account: number): PageContext {
    const context = { account, crashed: false };
    this.#contexts.add(context);
    return context;
  }

  close(context: PageContext): void {
    this.#contexts.delete(context);
  }

  /** Every context dies; the next login starts a new browser. */
  crash(): void {
    for (const context of this.#contexts) context.crashed = true;
    this.#contexts.clear();
    this.crashes += 1;
  }
}

/** What a login whose context died under it fails with, before it types anything. */
export function browserGone(step: LoginStep): BrowserError {
  return new BrowserError('BROWSER_FAILED', 'The browser crashed under the login (simulated).', { step });
}
