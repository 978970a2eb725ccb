import type { Page } from 'playwright';
import { classifyPage, type PageKind, type PageState } from './page-state.js';

/**
 * Runs in the page: resolves with the classified state as soon as it is one of `expected`
 * (checked on every DOM mutation, and every 50 ms for changes made by style sheets alone),
 * or with null after `timeoutMs`. Self-contained, like classifyPage.
 */
function waitInPage(classify: typeof classifyPage, expected: readonly string[], timeoutMs: number): Promise<PageState | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (state: PageState | null): void => {
      if (done) return;
      done = true;
      observer.disconnect();
      clearInterval(tick);
      clearTimeout(deadline);
      resolve(state);
    };
    const check = (): void => {
      const state = classify(expected);
      if (state) finish(state);
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    const tick = setInterval(check, 50);
    const deadline = setTimeout(() => finish(null), timeoutMs);
    check();
  });
}

const EXPRESSION = `(${waitInPage.toString()})(${classifyPage.toString()}, __EXPECTED__, __TIMEOUT__)`;

/**
 * Waits until the page shows one of `expected`, or `deadline` (epoch ms) passes (null).
 * A navigation replaces the document under the wait: it is started again at once on the
 * new one (Playwright's own re-run after a navigation backs off by up to ~100 ms).
 * The waiter is sent as one expression evaluated over CDP, so the page's CSP does not apply.
 */
export async function waitForPageState(page: Page, expected: readonly PageKind[], deadline: number, now: () => number): Promise<PageState | null> {
  for (;;) {
    const left = deadline - now();
    if (left <= 0) return null;
    const expression = EXPRESSION.replace('__EXPECTED__', JSON.stringify(expected)).replace('__TIMEOUT__', String(left));
    try {
      return (await page.evaluate(expression)) as PageState | null;
    } catch (error) {
      if (page.isClosed()) throw error;
      if (error instanceof Error && /context was destroyed|navigat|Cannot find context/i.test(error.message)) continue;
      throw error;
    }
  }
}
