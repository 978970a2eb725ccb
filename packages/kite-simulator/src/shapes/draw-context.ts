import { randomIdent, rngFor, type Rng } from './random.js';

/**
 * What every part of a shape's drawing shares: the seed's random areas, and the ids already
 * used (an id drawn twice would make two elements one). The order in which the parts draw
 * ids is the order of generateShape: a change to it changes existing seeds' ids.
 */
export interface DrawContext {
  seed: number;
  /** A fresh generator for an area: the same area always starts the same sequence. */
  r: (area: string) => Rng;
  /** A random identifier not used before in this shape. */
  unique: (rng: Rng, kind: 'id' | 'class' | 'name') => string;
  /** `wanted` the first time it is asked for, a unique random one after. */
  meaningfulId: (rng: Rng, wanted: string) => string;
}

export function drawContext(seed: number): DrawContext {
  const used = new Set<string>();
  const unique = (rng: Rng, kind: 'id' | 'class' | 'name'): string => {
    for (;;) {
      const value = randomIdent(rng, kind);
      if (!used.has(value)) {
        used.add(value);
        return value;
      }
    }
  };
  return {
    seed,
    r: (area) => rngFor(seed, area),
    unique,
    meaningfulId: (rng, wanted) => {
      if (used.has(wanted)) return unique(rng, 'id');
      used.add(wanted);
      return wanted;
    },
  };
}
