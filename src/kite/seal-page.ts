import type { CDPSession, Frame, Page } from 'playwright';
import { within } from './bounded.js';
import { contextTargets, ownTarget } from './context-targets.js';

/**
 * Ends a page so that what it holds can no longer leave it by its own handlers; returns why
 * that is not certain, or undefined when it is. What it sent before is the traffic watch's to
 * know (traffic-watch.ts).
 *
 * Closing a page runs its pagehide, visibilitychange and unload handlers, and what they send (a
 * beacon of the form's fields, as form-abandonment analytics do) goes out after close() has
 * resolved, unreported. Taking the context offline first does not stop it: in real Chromium,
 * beacons from a page's unload still reached the server in about one close in five, and in four
 * of five when the field was in a frame. So first the page's event handlers and timers are
 * turned off (script execution disabled) in the page and in every frame that runs in a process
 * of its own (such a frame has settings of its own; the others share the page's), then the
 * context goes offline, then the page closes. Not everything stops with that: message ports and
 * promise continuations still run a while, and workers run on (the watch's concern). Certain
 * only when every step finished within its bound, every frame in a process of its own was
 * reached (one that Playwright had not yet attached is not passed over as the page's own), no
 * frame appeared or navigated meanwhile (a frame that moves to another process runs scripts
 * again), and the context has no target but the page, its frames and dedicated workers (a shared
 * worker or a prerendered page sends where no page event reports it).
 */
export async function sealPage(page: Page, boundMs: number): Promise<string | undefined> {
  // Set by the page's events while the steps below run.
  const frameEvents = { moved: false };
  const onFrame = (): void => { frameEvents.moved = true; };
  const frames = page.isClosed() ? [] : page.frames();
  page.on('frameattached', onFrame);
  page.on('framenavigated', onFrame);
  try {
    const frozen = frames.length > 0 ? await within(stopScripts(page, frames), boundMs, 'stopping the page\'s scripts').catch(() => undefined) : undefined;
    const stray = frozen ? await within(strayTarget(page, frozen), boundMs, 'listing the context\'s targets').catch(() => 'its targets could not be listed') : undefined;
    const offline = await within(Promise.resolve().then(() => page.context().setOffline(true)), boundMs, 'taking the page offline').then(() => true, () => false);
    const closed = await within(Promise.resolve().then(() => page.close({ runBeforeUnload: false })), boundMs, 'closing the page').then(() => true, () => false);
    if (!frozen) return 'its scripts could not be stopped';
    if (stray !== undefined) return stray;
    if (frameEvents.moved) return 'a frame appeared or navigated while it was sealed';
    if (!offline) return 'it could not be taken offline';
    return closed ? undefined : 'it did not close';
  } finally {
    page.off('frameattached', onFrame);
    page.off('framenavigated', onFrame);
  }
}

/**
 * Script execution off (Chromium's Emulation.setScriptExecutionDisabled) in the page and each
 * frame with a session of its own: the handlers and timers no longer run, the unload ones
 * included. Returns the targets reached and the page's browser context.
 */
export async function stopScripts(page: Page, frames: readonly Frame[]): Promise<{ targetIds: Set<string>; browserContextId: string | undefined }> {
  const targetIds = new Set<string>();
  let browserContextId: string | undefined;
  for (const frame of frames) {
    const main = frame === page.mainFrame();
    let session: CDPSession;
    try {
      session = await page.context().newCDPSession(main ? page : frame);
    } catch (error) {
      // A frame in the page's own process has no session of its own: the page's setting covers it.
      // (One in a process of its own that Playwright has not attached yet shows up as a stray target.)
      if (!main && /separate CDP session/i.test(error instanceof Error ? error.message : '')) continue;
      throw error;
    }
    // The session stays attached: the setting is the session's, and would end with it.
    await session.send('Emulation.setScriptExecutionDisabled', { value: true });
    const target = await ownTarget(session);
    targetIds.add(target.targetId);
    if (main) browserContextId = target.browserContextId;
  }
  return { targetIds, browserContextId };
}

/** A target of the context other than those reached and dedicated workers (the watch's), described; undefined when there is none. */
async function strayTarget(page: Page, frozen: { targetIds: Set<string>; browserContextId: string | undefined }): Promise<string | undefined> {
  if (frozen.browserContextId === undefined) return 'its browser context is unknown';
  const stray = (await contextTargets(page, frozen.browserContextId)).find((t) => !frozen.targetIds.has(t.targetId) && t.type !== 'worker');
  return stray === undefined ? undefined : `the context has a ${stray.type} its scripts were not stopped in`;
}
