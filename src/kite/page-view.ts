import type { Frame, Locator, Page } from 'playwright';
import { MARK, snapshotFrame, type FrameSeen } from './page-snapshot.js';
import type { Target } from './screen.js';

/** Every frame of the page as it is now, and the frames to act in (same order). */
export interface View { frames: FrameSeen[]; handles: Frame[] }

const SNAPSHOT = `(${snapshotFrame.toString()})()`;

/**
 * Reads every frame of the page (the top document, its iframes, and in each the open
 * shadow roots). A frame that goes away while it is read is left out: the next look sees
 * what replaced it. Sent as an expression over CDP, so the page's CSP does not apply.
 */
export async function observe(page: Page): Promise<View> {
  const handles = page.frames().filter((f) => !f.isDetached());
  const seen = await Promise.all(handles.map((frame) => frame.evaluate(SNAPSHOT).then((s) => s as FrameSeen, () => undefined)));
  const view: View = { frames: [], handles: [] };
  seen.forEach((s, i) => {
    if (s) {
      view.frames.push(s);
      view.handles.push(handles[i] as Frame);
    }
  });
  return view;
}

/** The element a target names, found again through shadow roots (Playwright's CSS pierces them). */
export function locate(view: View, target: Target): Locator {
  const frame = view.handles[target.frame];
  if (!frame) throw new Error('the frame went away');
  return frame.locator(`[${MARK}="${target.ref}"]`);
}

/**
 * Runs in a frame: resolves at the first change of its document or open shadow roots
 * (apart from our own marks), or after `sliceMs` (changes made by style sheets alone, or
 * made before the observer was attached).
 */
function changeInFrame(mark: string, sliceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const observers: MutationObserver[] = [];
    const done = (changed: boolean): void => {
      for (const o of observers) o.disconnect();
      clearTimeout(timer);
      resolve(changed);
    };
    const onChange = (records: MutationRecord[]): void => {
      if (records.some((r) => r.type !== 'attributes' || r.attributeName !== mark)) done(true);
    };
    const watch = (root: Node): void => {
      const observer = new MutationObserver(onChange);
      observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
      observers.push(observer);
      for (const el of Array.from((root as ParentNode).querySelectorAll('*'))) if (el.shadowRoot) watch(el.shadowRoot);
    };
    watch(document);
    // Declared last: \`done\` runs only from observer callbacks and this timer, never before.
    const timer = setTimeout(() => done(false), sliceMs);
  });
}

const CHANGE = (slice: number): string => `(${changeInFrame.toString()})(${JSON.stringify(MARK)}, ${slice})`;

/**
 * Waits until something changes in any frame, a frame comes or goes, or the page navigates;
 * at most until `deadline` (epoch ms) and at most a short slice, after which the caller
 * looks again anyway. Resolves false only when the deadline has passed.
 */
export async function waitForChange(page: Page, deadline: number, now: () => number, also: Promise<unknown>): Promise<boolean> {
  const left = deadline - now();
  if (left <= 0) return false;
  const slice = Math.min(60, left);
  let onFrame: (() => void) | undefined;
  const framesChanged = new Promise<void>((resolve) => {
    onFrame = () => resolve();
    page.on('framenavigated', onFrame);
    page.on('frameattached', onFrame);
    page.on('framedetached', onFrame);
  });
  try {
    await Promise.race([
      ...page.frames().map((frame) => frame.evaluate(CHANGE(slice)).catch(() => true)),
      framesChanged,
      also,
    ]);
  } finally {
    if (onFrame) {
      page.off('framenavigated', onFrame);
      page.off('frameattached', onFrame);
      page.off('framedetached', onFrame);
    }
  }
  return true;
}
