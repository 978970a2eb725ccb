import { AbortedError } from '../errors/index.js';
import { abortedBy } from './attempt-deadline.js';
import type { Logger } from '../logger.js';
import { CLOCK_FIX_HINT, CLOCK_WARN_OFFSET_MS, describeOffset } from '../time/clock-offset.js';
import { DEFAULT_MIN_WINDOW_LEFT_MS, TOTP_PERIOD_MS } from '../totp.js';
import type { KiteClock } from './kite-clock.js';

export interface TotpWaitDeps {
  /** Waits for a time to pass; rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
  /** Time that must be left in the TOTP window when the code is typed. Default 5 s. */
  minTotpWindowLeftMs?: number | undefined;
  /** The window of the last code that failed: a code must come from a later one. */
  floor: number | undefined;
  /** A wait the flow chose is not a hang: the attempt's deadline moves by it. */
  onWait?: ((ms: number) => void) | undefined;
}

/**
 * Waits, on Kite's clock, until a code can be typed that is right wherever in its known
 * range Kite's clock really is: the earliest possible Kite time and the latest (plus the
 * time typing and sending take) must fall in one window, after any window that failed.
 * Returns the instant (Kite's clock) to make the code for, and how long it waited.
 */
export async function waitForTotpWindow(clock: KiteClock, deps: TotpWaitDeps): Promise<{ codeAt: number; waitedMs: number }> {
  const minLeft = deps.minTotpWindowLeftMs ?? DEFAULT_MIN_WINDOW_LEFT_MS;
  const u = clock.measured ? Math.min(clock.uncertaintyMs, 5_000) : 0;
  const earliest = clock.now() - u;
  const window = Math.floor(earliest / TOTP_PERIOD_MS);
  let waitMs = 0;
  if ((window + 1) * TOTP_PERIOD_MS - (clock.now() + u) < minLeft) waitMs = (window + 1) * TOTP_PERIOD_MS - earliest;
  if (deps.floor !== undefined && window + (waitMs > 0 ? 1 : 0) <= deps.floor) waitMs = Math.max(waitMs, (deps.floor + 1) * TOTP_PERIOD_MS - earliest);
  if (waitMs > 0) {
    deps.onWait?.(waitMs);
    await deps.sleep(waitMs, deps.signal).catch(() => {
      throw deps.signal?.aborted ? abortedBy(deps.signal, 'second-factor') : new AbortedError('Stopped while waiting for the next TOTP window.', { step: 'second-factor' });
    });
  }
  return { codeAt: clock.now() - u, waitedMs: waitMs };
}

/** Time a code needs left in its window to be typed and sent (the wait chose at least `minTotpWindowLeftMs`; the ledger's write came after). */
const TYPING_LEFT_MS = 2_000;

/**
 * Is a code of `window` still right to type now, wherever in its known range Kite's clock is?
 * False once a slow ledger write, or a covered control, has eaten the time the wait left: a
 * code typed then may reach Kite expired, and a wrong code counts.
 */
export function codeStillFresh(clock: KiteClock, window: number): boolean {
  const u = clock.measured ? Math.min(clock.uncertaintyMs, 5_000) : 0;
  return (window + 1) * TOTP_PERIOD_MS - (clock.now() + u) >= TYPING_LEFT_MS;
}

/** Kite's clock as measured, for the log and the state file; a large offset is a warning with its fix. */
export function reportClock(clock: KiteClock, emit: (detail: Record<string, number>) => void, logger: Logger | undefined): void {
  if (!clock.measured) return;
  emit({ offsetMs: clock.offsetMs, uncertaintyMs: clock.uncertaintyMs });
  if (Math.abs(clock.offsetMs) > CLOCK_WARN_OFFSET_MS) {
    logger?.warn({ kiteClockOffsetMs: clock.offsetMs }, `${describeOffset(clock.offsetMs)}: ${CLOCK_FIX_HINT}`);
  }
}
