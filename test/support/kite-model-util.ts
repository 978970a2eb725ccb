import { nextDay } from '../../src/schedule/zoned-time.js';

/*
 * Small helpers of the attempt rules' property tests: IST times, days, TOTP secrets, a seeded
 * PRNG, and a fixed `Date` for the one command that reads the real clock. Plain code, so that
 * the fuzzer (no vitest) can use them too.
 */

/** An IST wall-clock time of `day` on the machine's clock, as epoch ms. */
export const ist = (day: string, time: string): number => Date.parse(`${day}T${time}:00+05:30`);

/** The day `n` days after `day`. */
export function dayAfter(day: string, n: number): string {
  let d = day;
  for (let i = 0; i < n; i += 1) d = nextDay(d);
  return d;
}

/** A valid base32 TOTP secret (20 bytes), different for every `n`. */
export function totpSecret(n: number): string {
  const bytes = Buffer.from(`kite-model-secret-${String(n).padStart(2, '0')}`.slice(0, 20).padEnd(20, '.'));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet.charAt(Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2));
  return out;
}

/** A small seeded PRNG (the retry policy's jitter): the same history, the same delays; the simulator's own. */
export { mulberry32 } from '@kite-autologin/simulator/shapes';

/** Runs `work` with `Date` (new Date(), Date.now()) reading `ms`: the resume command reads the real clock. */
export async function atFixedTime<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const RealDate = globalThis.Date;
  class FixedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(ms);
      else super(...(args as [string]));
    }

    static override now(): number {
      return ms;
    }
  }
  globalThis.Date = FixedDate as DateConstructor;
  try {
    return await work();
  } finally {
    globalThis.Date = RealDate;
  }
}
