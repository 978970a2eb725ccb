import type { Frame, Locator, Page } from 'playwright';
import { BoundExceeded, within } from './bounded.js';
import { MARK, snapshotFrame, type FrameSeen } from './page-snapshot.js';
import type { Target } from './screen.js';

/**
 * Every frame of the page as it is now, and the frames to act in (same order). `silent`: the
 * top frame did not answer within SNAPSHOT_MS (its script locked up, or its renderer hangs).
 */
export interface View { frames: FrameSeen[]; handles: Frame[]; silent?: boolean }

const SNAPSHOT = `(${snapshotFrame.toString()})()`;

/** The bound on reading one frame: a frame whose script locked up is left out, as if it were gone. */
export const SNAPSHOT_MS = 3_000;

/**
 * Reads every frame of the page (the top document, its iframes, and in each the open
 * shadow roots). A frame that goes away while it is read, or does not answer within
 * SNAPSHOT_MS (its script locked up), is left out: the next look sees what replaced it, and
 * a page that never answers is never recognised (the step's deadline ends the wait). Sent as
 * an expression over CDP, so the page's CSP does not apply.
 */
export async function observe(page: Page): Promise<View> {
  const handles = page.frames().filter((f) => !f.isDetached());
  const seen = await Promise.all(handles.map((frame) => within(frame.evaluate(SNAPSHOT), SNAPSHOT_MS, 'reading a frame')
    .then((s) => s as FrameSeen, (error: unknown) => (error instanceof BoundExceeded ? 'silent' as const : undefined))));
  const top = handles.indexOf(page.mainFrame());
  const view: View = { frames: [], handles: [], silent: top >= 0 && seen[top] === 'silent' };
  seen.forEach((s, i) => {
    if (s && s !== 'silent') {
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
  let timer: NodeJS.Timeout | undefined;
  // The page's own timer ends its slice; a page whose script locked up never answers, so ours does too.
  const sliceOver = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.min(left, slice + 250)); });
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
      sliceOver,
    ]);
  } finally {
    clearTimeout(timer);
    if (onFrame) {
      page.off('framenavigated', onFrame);
      page.off('frameattached', onFrame);
      page.off('framedetached', onFrame);
    }
  }
  return true;
}
