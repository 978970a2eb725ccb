import type { Browser } from 'playwright';
import { raceAbort } from './attempt-deadline.js';
import { within } from './bounded.js';
import { closeBrowser, launchBrowser, newLoginContext, type LaunchOptions } from './browser.js';
import { walkLoginPages, type LoginFlowDeps, type LoginFlowInput } from './walk-login-pages.js';

/** Starts Chromium; the real one by default. Tests and benchmarks may hand in another. */
export type LaunchBrowser = (options: LaunchOptions) => Promise<Browser>;

export interface CaptureDeps extends LoginFlowDeps {
  /** Default: launchBrowser. */
  launch?: LaunchBrowser | undefined;
  /** Chromium has started. */
  onLaunched?: () => void;
  /** Chromium has closed (after the capture, or after a failure). */
  onClosed?: () => void;
}

export interface CapturedToken {
  requestToken: string;
  /**
   * Resolves once the browser is closed. Closing starts as soon as the token is read, so the
   * browser's memory is given back while the caller exchanges the token; await it before
   * returning.
   */
  closed: Promise<void>;
}

/**
 * One browser login up to the request_token: launch Chromium, open a fresh context and page,
 * walk Kite's pages, start closing the browser. Every Playwright object lives and dies in
 * here. On a failure the browser is closed before the error is rethrown, unchanged.
 */
export async function captureRequestToken(launchOptions: LaunchOptions, input: LoginFlowInput, deps: CaptureDeps): Promise<CapturedToken> {
  const { launch = launchBrowser, onLaunched, onClosed, ...flowDeps } = deps;
  const launching = launch(launchOptions);
  const browser = await raceAbort(launching, flowDeps.signal, 'browser-launch').catch((error: unknown) => {
    // Given up on while it started: it is closed once it has.
    void launching.then((late) => closeBrowser(late), () => undefined);
    throw error;
  });
  onLaunched?.();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= closeBrowser(browser).then(() => onClosed?.()));
  try {
    const context = await raceAbort(within(newLoginContext(browser, input.stepTimeoutMs), input.stepTimeoutMs, 'opening a browser context'), flowDeps.signal, 'browser-launch');
    const page = await raceAbort(within(context.newPage(), input.stepTimeoutMs, 'opening a page'), flowDeps.signal, 'browser-launch');
    const { requestToken } = await walkLoginPages(page, input, flowDeps);
    return { requestToken, closed: close() };
  } catch (error) {
    await close();
    throw error;
  }
}
