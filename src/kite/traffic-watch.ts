import type { Page, Request } from 'playwright';
import { watchContextTargets } from './context-targets.js';

/**
 * What left the login page once a secret was typed, as far as it can be known: the ledger may
 * say "not sent" only when nothing did, and nothing could have gone where this cannot see.
 */
export interface Traffic {
  /** Resolves once the watch sees everything it will (false: part of it could not be set up, and nothing will be certain). */
  ready(): Promise<boolean>;
  /** From now on, count what leaves the page. */
  arm(): void;
  /**
   * Why it is not certain that nothing left since `arm`, or undefined when it is: a request of
   * the page's context (a GET carries a typed value in its URL as well as a POST in its body;
   * only an image, font or media request the tool itself refused in the browser never left), a WebSocket, a worker or a
   * second page at any time (their requests are not all reported: a worker's that leave after
   * the page closed never are), a shared worker or other target of the context, a crash. Never
   * a URL or a value: a reason fit for a log.
   */
  uncertainty(): string | undefined;
  /** The page, its renderer and its browser are still there (a crash may have taken a request with it unseen). */
  alive(): boolean;
  dispose(): void;
}

/**
 * The tool's own refusals: page-interception.ts fails images, fonts and media in the browser
 * before they are sent, and a request keeps its type across redirects, so such a request
 * never reached the network. Nothing else that failed is taken to have stayed home (a
 * navigation refused after a redirect had already sent its first hop).
 */
const REFUSED_TYPES = new Set(['image', 'font', 'media']);
const refusedByTheTool = (request: Request): boolean =>
  request.failure()?.errorText === 'net::ERR_BLOCKED_BY_CLIENT' && REFUSED_TYPES.has(request.resourceType()) && !request.isNavigationRequest();

export function watchTraffic(page: Page, socketOpened: () => boolean): Traffic {
  const context = page.context();
  const targets = watchContextTargets(page);
  let armed = false;
  let crashed = false;
  let watching = false;
  void targets.ready.then((on) => { watching = on; });
  let unwatched: string | undefined = page.workers().length > 0 ? 'a worker of the page ran' : context.pages().some((other) => other !== page) ? 'another page of the context ran' : undefined;
  // Requests seen since `arm` that may have left: all of them, less those the browser refused.
  const left = new Set<Request>();
  const onRequest = (request: Request): void => { if (armed) left.add(request); };
  const onFailed = (request: Request): void => {
    if (refusedByTheTool(request)) left.delete(request);
  };
  const onWorker = (): void => { unwatched ??= 'a worker of the page ran'; };
  const onPage = (): void => { unwatched ??= 'another page of the context ran'; };
  const onCrash = (): void => { crashed = true; };
  context.on('request', onRequest);
  context.on('requestfailed', onFailed);
  context.on('page', onPage);
  page.on('worker', onWorker);
  page.on('crash', onCrash);
  return {
    ready: () => targets.ready,
    arm: () => {
      armed = true;
      if (!watching) unwatched ??= 'the context\'s targets were not watched';
      targets.arm();
    },
    uncertainty: () => {
      if (crashed) return 'the page crashed';
      if (left.size > 0) return 'the page sent a request after the typing';
      if (socketOpened()) return 'the page opened a WebSocket';
      if (unwatched !== undefined) return unwatched;
      if (page.workers().length > 0) return 'a worker of the page ran';
      const other = targets.unwatched();
      return other === undefined ? undefined : `a target of the context that cannot be watched (${other})`;
    },
    alive: () => !crashed && !page.isClosed() && context.browser()?.isConnected() !== false,
    dispose: () => {
      context.off('request', onRequest);
      context.off('requestfailed', onFailed);
      context.off('page', onPage);
      page.off('worker', onWorker);
      page.off('crash', onCrash);
      targets.dispose();
    },
  };
}
