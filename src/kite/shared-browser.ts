import type { Browser, BrowserContext } from 'playwright';
import { closeBrowser, launchBrowser, type LaunchOptions } from './browser.js';
import { within } from './bounded.js';
import type { LaunchBrowser } from './capture-request-token.js';

/** How long closing one login's context may take (a hung renderer is killed with it). */
const CONTEXT_CLOSE_MS = 10_000;

/**
 * One Chromium for a batch of logins (many accounts): each login gets a view of it whose
 * `close()` closes only the contexts that login opened, so captureRequestToken works on it
 * unchanged and each account keeps its own cookies and storage. Chromium starts on the first
 * login that needs it (none when every token is still valid), and starts again if it died
 * (a crash costs the logins in flight, not the later ones).
 */
export interface SharedBrowser {
  /** Hand this to the logins as their `launch`. */
  launch: LaunchBrowser;
  /** Closes the browser, bounded; every view's contexts go with it. */
  close(): Promise<void>;
  /** How many times Chromium was started (the benchmark and the tests read it). */
  launches(): number;
}

export function openSharedBrowser(launch: LaunchBrowser = launchBrowser): SharedBrowser {
  let current: Promise<Browser> | undefined;
  let launches = 0;
  let closed = false;

  const browser = (options: LaunchOptions): Promise<Browser> => {
    if (current === undefined) {
      launches += 1;
      const started = launch(options);
      current = started;
      started.then(
        (b) => b.on('disconnected', () => { if (current === started) current = undefined; }),
        () => { if (current === started) current = undefined; },
      );
    }
    return current;
  };

  return {
    launches: () => launches,
    launch: async (options) => {
      if (closed) throw new Error('the shared browser is closed');
      return viewOf(await browser(options));
    },
    close: async () => {
      closed = true;
      const last = current;
      current = undefined;
      if (last) await last.then((b) => closeBrowser(b), () => undefined);
    },
  };
}

/** The browser as one login sees it: `newContext` is tracked, `close` closes those contexts only. */
function viewOf(shared: Browser): Browser {
  const contexts = new Set<BrowserContext>();
  return new Proxy(shared, {
    get(target, property, receiver) {
      if (property === 'newContext') {
        return async (...args: Parameters<Browser['newContext']>) => {
          const context = await target.newContext(...args);
          contexts.add(context);
          context.once('close', () => contexts.delete(context));
          return context;
        };
      }
      if (property === 'close') {
        // Bounded: a context whose page locked up must not hold the login that abandons it.
        return async () => { await Promise.all([...contexts].map((c) => within(c.close(), CONTEXT_CLOSE_MS, 'closing a context').catch(() => undefined))); };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
