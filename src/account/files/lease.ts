import { LockLostError } from '../../errors/lock-lost-error.js';
import type { LockSettings } from './lock-options.js';

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
