/**
 * The fuzzer's randomness: mulberry32, seeded per area ("host", "labels", ...) so that a
 * change to how one area is drawn leaves the others of every seed as they were.
 */
export interface Rng {
  /** [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(values: readonly T[]): T;
  /** A value drawn with the given weights (they need not sum to 1). */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of the area's name mixed with the seed, then a murmur3 finaliser. */
function mix(seed: number, area: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < area.length; i += 1) h = Math.imul(h ^ area.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function rngFor(seed: number, area: string): Rng {
  const next = mulberry32(mix(seed, area));
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (values) => {
      if (values.length === 0) throw new Error('pick from nothing');
      return values[Math.floor(next() * values.length)] as (typeof values)[number];
    },
    weighted: (entries) => {
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let roll = next() * total;
      for (const [value, weight] of entries) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return (entries[entries.length - 1] as readonly [never, number])[0];
    },
  };
  return rng;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random identifier in one of the styles build tools produce. */
export function randomIdent(rng: Rng, kind: 'id' | 'class' | 'name'): string {
  const chars = (n: number, set: string): string => Array.from({ length: n }, () => set[rng.int(0, set.length - 1)]).join('');
  const style = rng.int(0, kind === 'id' ? 3 : 2);
  switch (style) {
    case 0: return `${chars(1, LOWER)}${chars(rng.int(4, 8), ALNUM)}`; // minified: "k3f9xa"
    case 1: return `_${chars(rng.int(3, 6), LOWER)}_${chars(5, ALNUM)}`; // CSS modules: "_box_1x2k3"
    case 2: return `x-${chars(6, ALNUM)}`;
    default: return `:r${rng.int(0, 40).toString(36)}:`; // React's useId: needs escaping in CSS
  }
}
