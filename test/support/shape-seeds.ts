import { generateShape } from '@kite-autologin/simulator/shapes';

/**
 * The seeds the real CLI must pass (test/e2e/page-shapes.spec.ts), the one list to edit.
 * The first 26 are solvable, picked greedily from seeds 0-399 so that together they show
 * every value of every dimension of SHAPE_DIMENSIONS, then each host with each overlay
 * position, code kind, code submission, step order, control kind, label mechanism,
 * overlay style and form/no form as far as 26 seeds go. The last 6 are captchas, before
 * and with the form, in every kind of host.
 */
export const FIXED_SEEDS: readonly number[] = [
  1, 66, 351, 104, 342, 168, 49, 120, 92, 384, 141, 157, 58, 17, 271, 212, 21, 136, 370, 378, 63, 90, 2, 14, 32, 46,
  22, 52, 148, 78, 88, 116,
];

/** The 40 seeds on which the oracle proves the fuzzer: every fixed seed, then the lowest others. */
export const ORACLE_SEEDS: readonly number[] = [
  ...FIXED_SEEDS,
  ...Array.from({ length: 40 }, (_, i) => i).filter((s) => !FIXED_SEEDS.includes(s)).slice(0, 40 - FIXED_SEEDS.length),
];

/** Seeds whose harmful control the oracle clicks: one that leaves for /dashboard, one that starts over. */
export function harmSeeds(): { seed: number; effect: 'dashboard' | 'reset' }[] {
  const out: { seed: number; effect: 'dashboard' | 'reset' }[] = [];
  for (const effect of ['dashboard', 'reset'] as const) {
    for (let seed = 0; seed < 500; seed += 1) {
      const shape = generateShape(seed);
      if (shape.solvable && shape.overlays[0]?.harmEffect === effect) {
        out.push({ seed, effect });
        break;
      }
    }
  }
  return out;
}
