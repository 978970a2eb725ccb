import { performance } from 'node:perf_hooks';
import { clearInterval as nodeClearInterval, setInterval as nodeSetInterval } from 'node:timers';
import { LockLostError } from '../errors/lock-lost-error.js';
import { sleep as realSleep } from '../time/sleep.js';
import type { AccountLockOptions } from './account-lock.js';
import { DEFAULT_STALE_MS } from './lock-staleness.js';

/** AccountLockOptions with every default filled in, checked once. */
export interface LockSettings {
  waitMs: number;
  staleMs: number;
  refreshMs: number;
  /** A holder stops being sure it holds the lock this long after its last confirmed refresh. */
  sureForMs: number;
  now: () => number;
  monotonic: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal: AbortSignal | undefined;
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (handle: unknown) => void;
}

export function resolveLockSettings(options: AccountLockOptions): LockSettings {
  const waitMs = options.waitMs ?? 180_000;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const refreshMs = options.refreshMs ?? 5_000;
  const sureForMs = staleMs - staleMs / 4;
  if (!(waitMs >= 0)) throw new RangeError(`waitMs must be 0 or more, not ${String(waitMs)}`);
  if (!(staleMs > 0 && Number.isInteger(staleMs))) throw new RangeError(`staleMs must be a whole number of ms above 0, not ${String(staleMs)}`);
  if (!(refreshMs > 0 && refreshMs < sureForMs)) throw new RangeError(`refreshMs must be more than 0 and under ${String(sureForMs)} (3/4 of staleMs), not ${String(refreshMs)}`);
  return {
    waitMs,
    staleMs,
    refreshMs,
    sureForMs,
    now: options.now ?? (() => Date.now()),
    monotonic: options.monotonic ?? (() => performance.now()),
    sleep: options.sleep ?? realSleep,
    signal: options.signal,
    setInterval: options.setInterval ?? ((fn, ms) => nodeSetInterval(fn, ms).unref()),
    clearInterval: options.clearInterval ?? ((handle) => { nodeClearInterval(handle as ReturnType<typeof nodeSetInterval>); }),
  };
}

/**
 * What a held lock, wherever it lives (a folder, a Redis key), knows of its own hold: when it
 * was last confirmed, on the wall clock and on the monotonic one (a pause or a suspend shows on
 * one of them), whether it is known lost and who to tell, and the refresh timer.
 */
export class Lease {
  readonly settings: LockSettings;
  #lastWall: number;
  #lastMono: number;
  #lostError: LockLostError | undefined;
  #listeners: ((error: Error) => void)[] = [];
  #timer: { handle: unknown } | undefined;

  /** `refresh` runs every refreshMs until the lease is lost or stopped. */
  constructor(settings: LockSettings, wall: number, mono: number, refresh: () => void) {
    this.settings = settings;
    this.#lastWall = wall;
    this.#lastMono = mono;
    this.#timer = { handle: settings.setInterval(refresh, settings.refreshMs) };
  }

  get lostError(): LockLostError | undefined {
    return this.#lostError;
  }

  /** A refresh that started at (wall, mono) was confirmed. */
  confirmed(wall: number, mono: number): void {
    this.#lastWall = Math.max(this.#lastWall, wall);
    this.#lastMono = Math.max(this.#lastMono, mono);
  }

  /** How long ago the last confirmation was, by whichever clock says longer; undefined while still sure. */
  unsureFor(): number | undefined {
    const { now, monotonic, sureForMs } = this.settings;
    const elapsed = Math.max(now() - this.#lastWall, monotonic() - this.#lastMono);
    return elapsed < sureForMs ? undefined : elapsed;
  }

  onLost(listener: (error: Error) => void): void {
    const error = this.#lostError;
    if (error !== undefined) {
      queueMicrotask(() => { callQuietly(listener, error); });
      return;
    }
    this.#listeners.push(listener);
  }

  /** Marks it lost (once), stops the refreshes, and tells every listener. */
  lose(message: string): void {
    if (this.#lostError !== undefined) return;
    const error = new LockLostError(message);
    this.#lostError = error;
    this.stop();
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) callQuietly(listener, error);
  }

  /** Stops the refreshes. */
  stop(): void {
    if (this.#timer === undefined) return;
    this.settings.clearInterval(this.#timer.handle);
    this.#timer = undefined;
  }
}

/** A listener's failure must not stop the others, nor escape from a timer. */
function callQuietly(listener: (error: Error) => void, error: Error): void {
  try {
    listener(error);
  } catch {
    // ignored on purpose
  }
}
