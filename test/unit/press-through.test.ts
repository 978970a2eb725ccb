import { describe, expect, it } from 'vitest';
import type { Acted } from '../../src/kite/page-actions.js';
import { pressThrough, type LookedAt } from '../../src/kite/press-through.js';

/*
 * Found by hand with `kite-autologin simulator` and `run --once` on a busy machine: the click on
 * Authorize took longer than its bound (the browser busy with the navigation it started), the
 * next look found the redirect already trapped, and the walk gave up with PAGE_UNRECOGNISED
 * ("stayed covered or did not respond after 1 looks"), a lost morning with the token a step away.
 */

function run(presses: Acted[], looks: LookedAt[], options: { maxLooks?: number; clock?: number[] } = {}) {
  const pressed: number[] = [];
  const dismissed: number[] = [];
  let t = 0;
  const clock = options.clock ?? [];
  const promise = pressThrough({
    press: () => { pressed.push(pressed.length); return Promise.resolve(presses.shift() ?? 'unresponsive'); },
    on: 'consent',
    look: () => {
      const seen = looks.shift() ?? { kind: 'consent' };
      return Promise.resolve(seen.kind === 'cover' ? { kind: 'cover', dismiss: () => { dismissed.push(1); return Promise.resolve(); } } : seen);
    },
    now: () => clock.shift() ?? t++,
    until: 1_000,
    maxLooks: options.maxLooks ?? 8,
    giveUp: (n) => Promise.resolve(new Error(`gave up after ${n} looks`)),
  });
  return { promise, pressed, dismissed };
}

describe('pressing a control until it is done, or the screen moved on', () => {
  it('a press past its bound whose screen then moved on (the redirect trapped) took effect: no error, no second press', async () => {
    const { promise, pressed } = run(['unresponsive'], [{ kind: 'redirect' }]);
    await expect(promise).resolves.toBeUndefined();
    expect(pressed).toHaveLength(1);
  });

  it('the same screen still there: pressed again; a cover: dismissed first, then pressed again', async () => {
    const { promise, pressed, dismissed } = run(['unresponsive', 'covered', 'done'], [{ kind: 'consent' }, { kind: 'cover' }]);
    await expect(promise).resolves.toBeUndefined();
    expect(pressed).toHaveLength(3);
    expect(dismissed).toHaveLength(1);
  });

  it('a control that never responds on a screen that never changes: given up after the looks allowed', async () => {
    const { promise, pressed } = run([], [], { maxLooks: 3 });
    await expect(promise).rejects.toThrow('gave up after 3 looks');
    expect(pressed).toHaveLength(3);
  });

  it('past the deadline no press starts again, whatever the looks left', async () => {
    const { promise, pressed } = run([], [], { clock: [2_000] });
    await expect(promise).rejects.toThrow('gave up after 1 looks');
    expect(pressed).toHaveLength(1);
  });
});
