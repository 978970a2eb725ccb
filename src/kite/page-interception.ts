import type { CDPSession, Page } from 'playwright';
import { redirectMatcher, redirectUrlPattern } from './redirect.js';

/** Resources no login step needs; refused, so the page is ready sooner. */
const BLOCKED_TYPES = ['Image', 'Font', 'Media'] as const;
const STUB_PAGE = Buffer.from('<!doctype html><title>kite-autologin</title>').toString('base64');

interface PausedRequest {
  requestId: string;
  request: { url: string };
  resourceType: string;
  responseStatusCode?: number;
  responseHeaders?: { name: string; value: string }[];
}

export interface Interception {
  /** The full URL of the redirect to the app (with its request_token), once Kite sends it. */
  redirect: Promise<string>;
}

/**
 * Watches the login page's documents at the network level (Chromium's Fetch domain).
 * Playwright's routes never see the target of a 302, so a redirect to the app's URL would
 * otherwise be followed: the browser would connect to that host, which is usually not
 * served, or is the user's own app that might spend the single-use request_token first.
 * Here the 302 itself is answered with a blank page: the token is read, nothing is sent.
 */
export async function interceptLoginPage(page: Page, redirectUrl: string): Promise<Interception> {
  const isRedirect = redirectMatcher(redirectUrl);
  const cdp: CDPSession = await page.context().newCDPSession(page);
  let capture!: (url: string) => void;
  const redirect = new Promise<string>((resolve) => { capture = resolve; });

  const answer = async (event: PausedRequest): Promise<void> => {
    const { requestId } = event;
    if ((BLOCKED_TYPES as readonly string[]).includes(event.resourceType)) {
      await cdp.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
      return;
    }
    const status = event.responseStatusCode;
    let captured: string | undefined;
    if (status === undefined && isRedirect(event.request.url)) {
      captured = event.request.url; // a script navigating straight to the redirect URL
    } else if (status !== undefined && status >= 300 && status < 400) {
      const location = event.responseHeaders?.find((h) => h.name.toLowerCase() === 'location')?.value;
      const next = location ? safeResolve(location, event.request.url) : undefined;
      if (next && isRedirect(next)) captured = next;
    }
    if (captured) {
      capture(captured);
      await cdp.send('Fetch.fulfillRequest', {
        requestId, responseCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'text/html' }], body: STUB_PAGE,
      });
      return;
    }
    await cdp.send('Fetch.continueRequest', { requestId });
  };

  cdp.on('Fetch.requestPaused', (event: PausedRequest) => {
    // The page may be closing under us; a request left paused dies with it.
    answer(event).catch(() => undefined);
  });
  await cdp.send('Fetch.enable', {
    patterns: [
      // Requests are paused only for the redirect URL itself; every document's response is
      // looked at, since any of them may be the 302 to it.
      { urlPattern: redirectUrlPattern(redirectUrl), resourceType: 'Document', requestStage: 'Request' },
      { resourceType: 'Document', requestStage: 'Response' },
      ...BLOCKED_TYPES.map((resourceType) => ({ resourceType, requestStage: 'Request' as const })),
    ],
  });
  return { redirect };
}

function safeResolve(location: string, base: string): string | undefined {
  try {
    return new URL(location, base).toString();
  } catch {
    return undefined;
  }
}
