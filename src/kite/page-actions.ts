import { errors, type Page } from 'playwright';
import { PageError } from '../errors/index.js';
import { evaluateWithin, within } from './bounded.js';
import { MARK } from './page-snapshot.js';
import { locate, type View } from './page-view.js';
import type { Target } from './screen.js';

/**
 * How long a click or a key press may wait for its control: about a second. A control that
 * is covered (a dialog arrived after the screen was read) or does not respond within it means
 * look at the screen again, never Playwright's 30 s wait.
 */
export const ACTION_MS = 1_000;
/** Typing a whole value key by key (split boxes, a field that refuses a paste). */
const TYPING_MS = 5_000;

/** How an action went: done, or the screen must be looked at again first. */
export type Acted = 'done' | 'covered' | 'unresponsive';

/**
 * Typing met a field that something covered, or that did not respond within its bound (a
 * dialog arrived at the first key): look at the screen again and deal with the cover; what was
 * typed is checked before anything is pressed. Not an error of the login.
 */
export class CoveredWhileTyping extends Error {
  override readonly name = 'CoveredWhileTyping';
}

/**
 * Playwright's own timeout on a typing call (it gave up: no key goes out after it) is a cover to
 * look at. Our outer bound is not: Playwright may still be typing, and typing again could send
 * the secret twice; that, and anything else (a closed page), is thrown as it is.
 */
const coveredOnTimeout = (what: string) => (error: unknown): never => {
  if (error instanceof errors.TimeoutError) throw new CoveredWhileTyping(`${what} was covered or did not respond`);
  throw error;
};

/** Runs in the frame: would a click at the element's centre reach it? Scrolls it into view first. */
function hitTest(mark: string, ref: string): 'reached' | 'covered' | 'gone' {
  const find = (root: Document | ShadowRoot): Element | null => {
    const el = root.querySelector(`[${mark}="${ref}"]`);
    if (el) return el;
    for (const host of Array.from(root.querySelectorAll('*'))) {
      if (!host.shadowRoot) continue;
      const inner = find(host.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const el = find(document);
  if (!el) return 'gone';
  const before = el.getBoundingClientRect();
  if (before.bottom < 0 || before.top > innerHeight || before.right < 0 || before.left > innerWidth) el.scrollIntoView({ block: 'center', inline: 'center' });
  const rect = el.getBoundingClientRect();
  const x = rect.left + rect.width / 2;
  const y = rect.top + rect.height / 2;
  let hit: Element | null = document.elementFromPoint(x, y);
  while (hit?.shadowRoot) {
    const inner = hit.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === hit) break;
    hit = inner;
  }
  if (!hit) return 'covered';
  for (let node: Node | null = hit; node; node = node instanceof ShadowRoot ? node.host : node.parentNode) if (node === el) return 'reached';
  return hit instanceof HTMLLabelElement && hit.control === el ? 'reached' : 'covered';
}

/** What a click on the target would hit now: it, something over it, or nothing (gone, or the frame does not answer). */
async function reach(view: View, target: Target): Promise<'reached' | 'covered' | 'unresponsive'> {
  const frame = view.handles[target.frame];
  if (!frame || frame.isDetached()) return 'unresponsive';
  const seen = await evaluateWithin<string>(frame, `(${hitTest.toString()})(${JSON.stringify(MARK)}, ${JSON.stringify(target.ref)})`, ACTION_MS, 'hit test')
    .catch(() => 'unresponsive');
  return seen === 'reached' ? 'reached' : seen === 'covered' ? 'covered' : 'unresponsive';
}

/** Playwright's own timeout means "not within the bound"; anything else (a closed page) is thrown. */
async function bounded(action: () => Promise<void>, what: string): Promise<Acted> {
  try {
    await within(action(), ACTION_MS * 3, what);
    return 'done';
  } catch (error) {
    if (error instanceof errors.TimeoutError || (error as Error).name === 'BoundExceeded') return 'unresponsive';
    throw error;
  }
}

/** Clicks the target if a click would reach it, within about a second. */
export async function clickTarget(view: View, target: Target): Promise<Acted> {
  const reached = await reach(view, target);
  if (reached !== 'reached') return reached;
  return bounded(() => locate(view, target).click({ timeout: ACTION_MS }), 'click');
}

/** Presses a key in a field if nothing covers the field (a dialog over it would take the key). */
export async function pressIn(view: View, target: Target, key: string): Promise<Acted> {
  const reached = await reach(view, target);
  if (reached !== 'reached') return reached;
  return bounded(() => locate(view, target).press(key, { timeout: ACTION_MS }), 'key press');
}

/** The submit control, else Enter in the last field. */
export function pressSubmit(view: View, submit: Target | undefined, lastField: Target): Promise<Acted> {
  return submit ? clickTarget(view, submit) : pressIn(view, lastField, 'Enter');
}

/** Does the field hold exactly this value (it was typed, then something covered or re-rendered it)? */
export async function holds(view: View, target: Target, value: string): Promise<boolean> {
  return valueOf(view, target).then((held) => held === value, () => false);
}

const valueOf = (view: View, target: Target): Promise<string> => within(locate(view, target).inputValue({ timeout: ACTION_MS }), ACTION_MS * 2, 'reading a field');
const fill = (view: View, target: Target, value: string): Promise<void> => within(locate(view, target).fill(value, { timeout: ACTION_MS * 3 }), ACTION_MS * 4, 'filling a field').catch(coveredOnTimeout('A field'));
const keys = (view: View, target: Target, value: string): Promise<void> => within(locate(view, target).pressSequentially(value, { timeout: TYPING_MS }), TYPING_MS + ACTION_MS, 'typing').catch(coveredOnTimeout('A field'));

/** Do the boxes hold the code (one field, or a digit in each)? */
export async function holdsCode(view: View, boxes: readonly Target[], code: string): Promise<boolean> {
  const values = await Promise.all(boxes.map((box) => valueOf(view, box).catch(() => '')));
  return values.join('') === code;
}

/** Focuses a dialog's own frame (a click inside it, on no control), then Escape: a dialog without a benign control may close on it. */
export async function escapeFrom(page: Page, view: View, dialog: Target | undefined): Promise<void> {
  if (dialog) await within(locate(view, dialog).click({ position: { x: 3, y: 3 }, timeout: ACTION_MS }), ACTION_MS * 2, 'focusing a dialog').catch(() => undefined);
  await within(page.keyboard.press('Escape'), ACTION_MS, 'key press').catch(() => undefined);
}

/** Types the value unless the field holds it already: `unresponsive` when a cover came while typing (look again). */
export async function ensureTyped(view: View, target: Target, value: string): Promise<Acted> {
  if (await holds(view, target, value)) return 'done';
  return typeInto(view, target, value).then((): Acted => 'done', (error: unknown) => {
    if (error instanceof CoveredWhileTyping) return 'unresponsive';
    throw error;
  });
}

/** Types a value as a person would (focus, keys), then checks the field holds it. */
export async function typeInto(view: View, target: Target, value: string): Promise<void> {
  await fill(view, target, value);
  if (await holds(view, target, value)) return;
  await fill(view, target, '');
  await keys(view, target, value);
  if (!(await holds(view, target, value))) {
    throw new PageError('PAGE_UNRECOGNISED', 'A field does not hold what was typed into it (a field that changes what is typed?); not submitted.', { retryable: false });
  }
}

/**
 * Types the code: into one field, or across split boxes as a person would (the first box,
 * then key by key, the page moving the focus); boxes that do not move the focus get a digit
 * each. Then checks that what the page holds is the code, unless the page has already sent
 * it (at the sixth digit): the request carrying the code is proof enough, and the page may be
 * leaving. Every call is bounded: a field that is gone has nothing to check.
 */
export async function typeCode(page: Page, view: View, boxes: readonly Target[], code: string, watch: { sent(): boolean }): Promise<void> {
  const held = async (): Promise<string> => (await Promise.all(boxes.map((box) => valueOf(view, box).catch(() => '')))).join('');
  // A round trip to the page: its input handlers have run and a request they started has been seen.
  const settle = (): Promise<unknown> => within(page.evaluate(() => document.readyState), ACTION_MS, 'page round trip').catch(() => undefined);
  const [first] = boxes;
  if (!first) return;
  if (boxes.length === 1) {
    await fill(view, first, code);
  } else {
    if ((await clickTarget(view, first)) !== 'done') throw new CoveredWhileTyping('The first code box');
    await within(page.keyboard.type(code), TYPING_MS, 'typing');
  }
  await settle();
  if (watch.sent()) return;
  if ((await held()) !== code) {
    if (boxes.length === 1) {
      await fill(view, first, '');
      await keys(view, first, code);
    } else {
      for (const [i, box] of boxes.entries()) await fill(view, box, code[i] ?? '');
    }
    await settle();
  }
  if (watch.sent()) return;
  if ((await held()) !== code) throw new PageError('PAGE_UNRECOGNISED', 'The code field does not hold the code that was typed (a field that changes what is typed?); not submitted.', { step: 'second-factor', retryable: false });
}
