/**
 * Kite's clock as seen from its `Date` headers. A header has a resolution of one second: a
 * response stamped D left Kite at some time in [D, D + 1 s), and reached us between the
 * moment we sent the request and the moment the answer arrived. So each response bounds the
 * offset (Kite minus us) to [D - received, D + 1000 - sent]; the bounds of all responses
 * are intersected, and the middle of what is left is the estimate, its half-width the
 * uncertainty (under a second after a few responses). TOTP codes are made on this clock.
 */
export class KiteClock {
  #low = Number.NEGATIVE_INFINITY;
  #high = Number.POSITIVE_INFINITY;
  #samples = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** One response: its Date header (epoch ms), when its request left and when it arrived (our clock). */
  observe(dateMs: number, sentAt: number, receivedAt: number): void {
    if (!Number.isFinite(dateMs) || receivedAt < sentAt) return;
    const low = dateMs - receivedAt;
    const high = dateMs + 1000 - sentAt;
    if (low > this.#high || high < this.#low) {
      // Inconsistent with what came before (Kite's clock was stepped): start again from this one.
      this.#low = low;
      this.#high = high;
    } else {
      this.#low = Math.max(this.#low, low);
      this.#high = Math.min(this.#high, high);
    }
    this.#samples += 1;
  }

  get measured(): boolean {
    return this.#samples > 0;
  }

  /** Kite's clock minus ours, ms; 0 until measured. */
  get offsetMs(): number {
    return this.measured ? Math.round((this.#low + this.#high) / 2) : 0;
  }

  /** How far the true offset may be from `offsetMs`. */
  get uncertaintyMs(): number {
    return this.measured ? Math.ceil((this.#high - this.#low) / 2) : Number.POSITIVE_INFINITY;
  }

  /** Kite's time now, as well as it is known (ours until measured). */
  now(): number {
    return this.#now() + this.offsetMs;
  }
}

