import { randomIdent } from './random.js';
import type { DrawContext } from './draw-context.js';
import { NOTICES } from './draw-overlays.js';
import { LATE_DISMISSES, type LateDialogShape, type LateTrigger, type OverlayStyle, type ScreenShape } from './shape-types.js';

/** How often a dialog comes late, and when. */
export const LATE_DIALOG_WEIGHTS = [['none', 55], ['load', 15], ['first-look', 15], ['first-key', 15]] as const;

/**
 * A dialog that covers the form after its screen was shown (its own area). `load`: 300 to
 * 1500 ms after the first login screen shows; `first-look`: at the first pointer move on its
 * screen, or 30 to 250 ms after the screen is complete; `first-key`: at the first key or input
 * in a field of its screen. On a captcha page it comes on the first screen.
 */
export function drawLateDialog(ctx: DrawContext, screens: readonly ScreenShape[], solvable: boolean): LateDialogShape | undefined {
  const rng = ctx.r('late-dialog');
  const trigger: LateTrigger | 'none' = rng.weighted(LATE_DIALOG_WEIGHTS);
  if (trigger === 'none') return undefined;
  const firstLogin = screens.findIndex((s) => s.kind !== 'captcha');
  const candidates = screens.map((s, i) => (s.kind === 'captcha' ? -1 : i)).filter((i) => i >= 0);
  const drawn = trigger === 'load' ? firstLogin : rng.pick(candidates);
  const look = trigger === 'first-look' ? rng.pick(['pointer', 'settle'] as const) : undefined;
  const delayMs = trigger === 'load' ? rng.int(300, 1500) : look === 'settle' ? rng.int(30, 250) : 0;
  const notice = rng.pick(NOTICES);
  return {
    trigger, look,
    screen: solvable ? drawn : 0,
    delayMs,
    style: rng.weighted<OverlayStyle>([['aria-dialog', 45], ['fixed-div', 35], ['native-dialog', 20]]),
    title: notice[0], text: notice[1],
    dismiss: rng.pick(LATE_DISMISSES),
    className: rng.pick([undefined, 'modal', 'toast-modal', randomIdent(rng, 'class')] as const),
  };
}
