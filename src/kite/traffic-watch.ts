import type { Page } from 'playwright';

/**
 * What left the login page once a secret was typed, as far as it can be known: the ledger may
 * say "not sent" only when nothing did, and nothing could have gone where this cannot see.
 */
export interface Traffic {
  /** From now on, count what leaves the page. */
  arm(): void;
  /**
   * Nothing left since `arm`, and nothing could have left unseen: no request of the page's
   * context at all (a GET carries a typed value in its URL as well as a POST in its body), no
   * WebSocket, and no worker or second page at any time (their requests are not all reported:
   * a worker's that leave after the page closed never are).
   */
  quiet(): boolean;
  /** The page, its renderer and its browser are still there (a crash may have taken a request with it unseen). */
  alive(): boolean;
  dispose(): void;
}

export function watchTraffic(page: Page, socketOpened: () => boolean): Traffic {
  const context = page.context();
  let armed = false;
  let sent = false;
  let crashed = false;
  let unwatched = page.workers().length > 0 || context.pages().some((other) => other !== page);
  const onRequest = (): void => { if (armed) sent = true; };
  const onUnwatched = (): void => { unwatched = true; };
  const onCrash = (): void => { crashed = true; };
  context.on('request', onRequest);
  context.on('page', onUnwatched);
  page.on('worker', onUnwatched);
  page.on('crash', onCrash);
  return {
    arm: () => { armed = true; },
    quiet: () => !sent && !socketOpened() && !unwatched && page.workers().length === 0,
    alive: () => !crashed && !page.isClosed() && context.browser()?.isConnected() !== false,
    dispose: () => {
      context.off('request', onRequest);
      context.off('page', onUnwatched);
      page.off('worker', onUnwatched);
      page.off('crash', onCrash);
    },
  };
}
