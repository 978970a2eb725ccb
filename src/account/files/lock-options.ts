import { performance } from 'node:perf_hooks';
import { clearInterval as nodeClearInterval, setInterval as nodeSetInterval } from 'node:timers';
import { sleep as realSleep } from '../../time/sleep.js';
import { DEFAULT_STALE_MS } from '../../state/lock-staleness.js';

export interface AccountLockOptions {
  /** How long to wait for a live holder before giving up. Default 180_000. */
  waitMs?: number;
  /** A lock not refreshed for this long is stale and may be taken over. Default 20_000. */
  staleMs?: number;
  /** How often the holder refreshes it. Default 5_000. Must be well under staleMs (under 3/4 of it). */
  refreshMs?: number;
  /** Wall clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Monotonic ms. Default performance.now. */
  monotonic?: () => number;
  /** Waits between tries while another process holds it; rejects when signal aborts. Default: a real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Timers for the refresh; default the real setInterval/clearInterval (unref'd). Tests hand in fakes. */
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export interface AccountLock {
  readonly path: string;
  /**
   * Throws LockLostError unless this process can still be sure it holds the lock: owner.json
   * still names our token AND less than staleMs - staleMs/4 has passed since our last
   * successful refresh on both the wall clock and the monotonic clock. Refreshes it too.
   * Synchronous: call it right before anything two processes must never do at once.
   */
  assertHeld(): void;
  /** True once the lock is known lost (a refresh found another owner, or assertHeld failed). */
  readonly lost: boolean;
  /**
   * Called once, with a LockLostError, when the lock is first found lost: by the background
   * refresh (another owner, the folder gone, or not refreshed for too long, e.g. after a
   * pause) or by a failing assertHeld. A listener added after that is called on a microtask.
   */
  onLost(listener: (error: Error) => void): void;
  /** Releases it (only if it is still ours: never removes another owner's lock). Idempotent. */
  release(): Promise<void>;
}

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

