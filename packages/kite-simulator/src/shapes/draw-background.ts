import { BACKGROUND_PATHS } from '../background.js';
import type { DrawContext } from './draw-context.js';
import { BACKGROUND_EVENTS, type BackgroundFail, type BackgroundShape, type BackgroundVia } from './shape-types.js';

/** How many background requests a page sends (by kind of page: none on 40%). */
export const BACKGROUND_COUNT_WEIGHTS = [[0, 40], [1, 20], [2, 18], [3, 12], [4, 10]] as const;

/** The page's beacons and analytics posts (their own area). */
export function drawBackground(ctx: DrawContext): BackgroundShape[] {
  const rng = ctx.r('background');
  const n = rng.weighted(BACKGROUND_COUNT_WEIGHTS);
  return Array.from({ length: n }, () => ({
    event: rng.pick(BACKGROUND_EVENTS),
    via: rng.weighted<BackgroundVia>([['beacon', 40], ['fetch', 35], ['xhr', 25]]),
    path: rng.pick(BACKGROUND_PATHS),
    fail: rng.weighted<BackgroundFail>([['none', 70], ['500', 18], ['drop', 12]]),
    carries: rng.weighted([['field', 40], ['length', 35], ['nothing', 25]] as const),
  }));
}
