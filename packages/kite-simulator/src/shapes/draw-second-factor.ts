import type { SecondFactor } from '../second-factor.js';
import type { DrawContext } from './draw-context.js';
import { OTHER_FACTOR_WORDS } from './shape-types.js';

/** Weights of the second factor a page asks for: external TOTP on most pages. */
export const SECOND_FACTOR_WEIGHTS: readonly (readonly [SecondFactor, number])[] = [['totp', 86], ['app_code', 9], ['sms', 5]];

/**
 * The second factor, from an area of its own: every other draw of a seed stays as it was
 * before factors existed. Of the area names tried in order ('twofa', 'twofa-1', 'twofa-2',
 * ...), 'twofa-52' is the first that leaves every solvable fixed seed picked before factors
 * existed (test/support/shape-seeds.ts) on TOTP, so those seeds still mean a login.
 */
export function drawSecondFactor(ctx: DrawContext): SecondFactor {
  return ctx.r('twofa-52').weighted(SECOND_FACTOR_WEIGHTS);
}

/**
 * The code screen's words for a factor other than TOTP: the field's label, the line under the
 * heading, and a heading that does not say TOTP. Undefined for TOTP (the screen keeps its draws).
 */
export function otherFactorWords(ctx: DrawContext, factor: SecondFactor): { label: string; hint: string; heading: string | undefined } | undefined {
  if (factor === 'totp') return undefined;
  const rng = ctx.r('twofa-words');
  const words = OTHER_FACTOR_WORDS[factor];
  const heading = rng.pick([undefined, words.label, 'Two-factor authentication', 'Verify it\'s you', 'Login to Kite'] as const);
  const hint = factor === 'sms' && rng.chance(0.5) ? `${words.hint} ending in ${rng.int(10, 99)}` : words.hint;
  return { label: words.label, hint, heading };
}
