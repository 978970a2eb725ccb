import type { Acted } from './page-actions.js';

/*
 * A press (a click or a key) on a control of one screen, until it is done: a control that is
 * covered, or does not respond within its bound, sends the flow back to look at the screen.
 * A cover is dealt with and the press tried again; the same screen still there means press
 * again; any other screen means the press took effect after all (a click whose navigation kept
 * the browser busy past the bound, the redirect already trapped), and the walk's next look
 * decides what comes next. Bounded by a number of looks and a deadline. Pure of Playwright.
 */

/** What a look at the screen found, as far as pressing goes. */
export type LookedAt = { kind: 'cover'; dismiss(): Promise<void> } | { kind: string };

export interface PressThrough {
  /** The press itself, bounded: `done`, or why not. */
  press(): Promise<Acted>;
  /** The kind of screen the press is on (`consent`, `offer`, `user-id`). */
  on: string;
  /** Looks at the screen again (bounded by the walk's own look). */
  look(): Promise<LookedAt>;
  now(): number;
  /** No press starts after it. */
  until: number;
  maxLooks: number;
  /** The error when the control stays covered or silent past the looks or the deadline. */
  giveUp(looks: number): Promise<Error>;
}

/** Presses until done, or until the screen is something else; throws giveUp's error when neither comes within the bounds. */
export async function pressThrough(p: PressThrough): Promise<void> {
  for (let looks = 1; ; looks += 1) {
    if ((await p.press()) === 'done') return;
    if (looks >= p.maxLooks || p.now() >= p.until) throw await p.giveUp(looks);
    const seen = await p.look();
    if ('dismiss' in seen) await seen.dismiss();
    else if (seen.kind !== p.on) return;
  }
}
