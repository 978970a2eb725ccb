import type { CDPSession, Frame, Page } from 'playwright';
import { within } from './bounded.js';

/**
 * Ends a page so that what it holds can no longer leave it by its own handlers, and says
 * whether that is certain. What it sent before is the traffic watch's to know (traffic-watch.ts).
 *
 * Closing a page runs its pagehide, visibilitychange and unload handlers, and what they send (a
 * beacon of the form's fields, as form-abandonment analytics do) goes out after close() has
 * resolved, unreported. Taking the context offline first does not stop it: in real Chromium,
 * beacons from a page's unload still reached the server in about one close in five, and in four
 * of five when the field was in a frame. So first the page's event handlers and timers are
 * turned off (script execution disabled) in every frame that runs in a process of its own (a
 * cross-site frame under site isolation has its own settings; the others share the page's),
 * then the context goes offline, then the page closes. Not everything stops with that: message
 * ports and promise continuations still run a while, and workers run on (their requests are the
 * watch's concern). Certain only when every step finished within its bound, no frame appeared
 * or navigated meanwhile (a frame that moves to another process runs scripts again), and no
 * shared or service worker of the page's context is running (they send where no page event
 * reports it).
 */
export async function sealPage(page: Page, boundMs: number): Promise<boolean> {
  let moved = false;
  const onFrame = (): void => { moved = true; };
  const frames = page.isClosed() ? [] : page.frames();
  page.on('frameattached', onFrame);
  page.on('framenavigated', onFrame);
  try {
    const frozen = frames.length > 0 && await within(freezeScripts(page, frames), boundMs, 'stopping the page\'s scripts').then(() => true, () => false);
    const alone = frozen && await within(noSharedWorkers(page), boundMs, 'looking for shared workers').catch(() => false);
    const offline = await within(Promise.resolve().then(() => page.context().setOffline(true)), boundMs, 'taking the page offline').then(() => true, () => false);
    const closed = await within(Promise.resolve().then(() => page.close({ runBeforeUnload: false })), boundMs, 'closing the page').then(() => true, () => false);
    return frozen && alone && offline && closed && !moved;
  } finally {
    page.off('frameattached', onFrame);
    page.off('framenavigated', onFrame);
  }
}

/** Script execution off (Chromium's Emulation.setScriptExecutionDisabled): the page's handlers and timers no longer run, its unload ones included. */
async function freezeScripts(page: Page, frames: readonly Frame[]): Promise<void> {
  for (const frame of frames) {
    const main = frame === page.mainFrame();
    let session: CDPSession;
    try {
      session = await page.context().newCDPSession(main ? page : frame);
    } catch (error) {
      // A frame in the page's own process has no session of its own: the page's setting covers it.
      if (!main && /separate CDP session/i.test(error instanceof Error ? error.message : '')) continue;
      throw error;
    }
    // The session stays attached: the setting is the session's, and would end with it.
    await session.send('Emulation.setScriptExecutionDisabled', { value: true });
  }
}

/** No shared or service worker runs in the page's browser context (Playwright reports neither's requests to the page). */
async function noSharedWorkers(page: Page): Promise<boolean> {
  const browser = page.context().browser();
  if (!browser) return false;
  const own = await page.context().newCDPSession(page);
  let contextId: string | undefined;
  try {
    contextId = ((await own.send('Target.getTargetInfo')) as { targetInfo: { browserContextId?: string } }).targetInfo.browserContextId;
  } finally {
    await own.detach().catch(() => undefined);
  }
  if (contextId === undefined) return false;
  const session = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await session.send('Target.getTargets')) as { targetInfos: { type: string; browserContextId?: string }[] };
    return !targetInfos.some((t) => t.browserContextId === contextId && (t.type === 'shared_worker' || t.type === 'service_worker'));
  } finally {
    await session.detach().catch(() => undefined);
  }
}
