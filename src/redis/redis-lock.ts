import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AbortedError, LockedError, LockLostError } from '../errors/index.js';
import type { AccountLock, AccountLockOptions } from '../state/account-lock.js';
import { Lease, resolveLockSettings, type LockSettings } from '../state/lease.js';
import { lockKey } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** The account lock in Redis, which also offers a real round trip to Redis. */
export interface RedisAccountLock extends AccountLock {
  /**
   * Asks Redis, now, whether the lock is still ours, and extends it for staleMs if so.
   * Throws LockLostError when it is not, or when Redis cannot answer. Call it right before
   * the token exchange: assertHeld can only judge by the last confirmation.
   */
  confirmHeld(): Promise<void>;
}

/** Extends the lock only while it still holds our value: 1, else 0 (gone) or the holder's value. */
const REFRESH_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not current then return 0 end
return current
`;

/** Deletes the lock only while it holds our value: never another owner's. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 2_000;


/**
 * Takes the account lock `kite-autologin:lock:<api_key>:<user_id>` shared by every host:
 * SET NX PX staleMs with a value naming this process and a random token. While held, it is
 * extended every refreshMs by a compare-and-PEXPIRE on that value; a holder that stops (died,
 * paused, cut off from Redis) loses it after staleMs, and another host can take it. Waits
 * up to waitMs for a live holder, then throws LockedError; RedisUnavailableError when Redis
 * cannot be used. The options mean what they mean for the file lock (acquireAccountLock).
 */
export async function acquireRedisLock(client: RedisClient, apiKey: string, userId: string, options: AccountLockOptions = {}): Promise<RedisAccountLock> {
  const settings = resolveLockSettings(options);
  const key = lockKey(apiKey, userId);
  const value = JSON.stringify({
    token: randomBytes(16).toString('hex'), pid: process.pid, hostname: hostname(), acquiredAt: new Date(settings.now()).toISOString(),
  });
  const started = settings.monotonic();
  let delay = FIRST_DELAY_MS;
  for (;;) {
    if (settings.signal?.aborted) throw aborted(key, settings.signal.reason);
    // Taken before asking: Redis starts the expiry no earlier than this.
    const wall = settings.now();
    const mono = settings.monotonic();
    if (await client.call('SET', key, value, 'NX', 'PX', settings.staleMs) === 'OK') {
      return new HeldRedisLock(client, key, value, settings, wall, mono);
    }
    const waited = settings.monotonic() - started;
    const remaining = settings.waitMs - waited;
    if (remaining <= 0) {
      const holder = await client.call('GET', key).catch(() => undefined);
      throw new LockedError(`${describeHolder(holder)} holds the lock ${key}; gave up waiting after ${String(Math.round(waited / 1000))}s.`);
    }
    await settings.sleep(Math.min(delay, remaining), settings.signal).catch((error: unknown) => {
      throw aborted(key, error);
    });
    delay = Math.min(MAX_DELAY_MS, delay * 1.5);
  }
}

class HeldRedisLock implements RedisAccountLock {
  readonly path: string;
  readonly #client: RedisClient;
  readonly #value: string;
  readonly #lease: Lease;
  #refreshing: Promise<void> | undefined;
  #released: Promise<void> | undefined;

  constructor(client: RedisClient, key: string, value: string, settings: LockSettings, wall: number, mono: number) {
    this.path = key;
    this.#client = client;
    this.#value = value;
    this.#lease = new Lease(settings, wall, mono, () => { this.#refreshInBackground(); });
  }

  get lost(): boolean {
    return this.#lease.lostError !== undefined;
  }

  /**
   * Synchronous, so it judges by the last confirmation: throws LockLostError when the lock
   * was released, a refresh found it gone or taken, or staleMs - staleMs/4 has passed since
   * the last confirmed refresh on either clock. Starts a refresh too.
   */
  assertHeld(): void {
    this.#check();
    this.#refreshInBackground();
  }

  async confirmHeld(): Promise<void> {
    this.#check();
    let problem: string | undefined;
    try {
      problem = await this.#refresh();
    } catch (error) {
      // Not marked lost: Redis may be back for the next attempt, and the lock still ours.
      throw new LockLostError(`Could not confirm the lock ${this.path} with Redis: ${(error as Error).message}`);
    }
    if (problem !== undefined) this.#lose(problem);
    this.#check();
  }

  onLost(listener: (error: Error) => void): void {
    this.#lease.onLost(listener);
  }

  release(): Promise<void> {
    this.#released ??= (async () => {
      this.#lease.stop();
      await this.#client.eval(RELEASE_SCRIPT, [this.path], [this.#value]);
    })();
    return this.#released;
  }

  #check(): void {
    if (this.#released !== undefined) throw new LockLostError(`The lock ${this.path} was already released.`);
    const lost = this.#lease.lostError;
    if (lost !== undefined) throw new LockLostError(lost.message);
    const problem = this.#ageProblem();
    if (problem !== undefined) {
      this.#lose(problem);
      throw new LockLostError(problem);
    }
  }

  #refreshInBackground(): void {
    if (this.#released !== undefined || this.#lease.lostError !== undefined || this.#refreshing !== undefined) return;
    const tooOld = this.#ageProblem();
    if (tooOld !== undefined) {
      this.#lose(tooOld);
      return;
    }
    this.#refreshing = this.#refresh().then(
      (problem) => { if (problem !== undefined) this.#lose(problem); },
      () => undefined, // Redis unreachable: assertHeld refuses once the last confirmation is too old
    ).finally(() => { this.#refreshing = undefined; });
  }

  /** Extends the lock if it is still ours; a problem when it is not; rejects when Redis cannot answer. */
  async #refresh(): Promise<string | undefined> {
    const { now, monotonic, staleMs } = this.#lease.settings;
    const wall = now();
    const mono = monotonic();
    const answer = await this.#client.eval(REFRESH_SCRIPT, [this.path], [this.#value, staleMs]);
    if (this.#released !== undefined) return undefined;
    if (answer === 1) {
      this.#lease.confirmed(wall, mono);
      return undefined;
    }
    if (answer === 0) return `The lock ${this.path} expired (not refreshed for ${String(Math.round(staleMs / 1000))}s): another kite-autologin may have taken it over.`;
    return `The lock ${this.path} was taken over by ${describeHolder(answer).replace(/^Another/, 'another')}.`;
  }

  #ageProblem(): string | undefined {
    const elapsed = this.#lease.unsureFor();
    if (elapsed === undefined) return undefined;
    return `Redis last confirmed the lock ${this.path} ${String(Math.round(elapsed / 1000))}s ago (paused, or Redis unreachable?); `
      + `it expires ${String(Math.round(this.#lease.settings.staleMs / 1000))}s after a confirmation, so this process cannot be sure it still holds it.`;
  }

  /** A released lock is not lost: only a held one can be. */
  #lose(message: string): void {
    if (this.#released === undefined) this.#lease.lose(message);
  }
}


/** "Another kite-autologin (pid 12 on host-a, since ...)" from a lock's value, whatever it holds. */
function describeHolder(value: unknown): string {
  try {
    const owner = JSON.parse(String(value)) as { pid?: unknown; hostname?: unknown; acquiredAt?: unknown };
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string' && typeof owner.acquiredAt === 'string') {
      return `Another kite-autologin (pid ${String(owner.pid)} on ${owner.hostname}, since ${owner.acquiredAt})`;
    }
  } catch {
    // not one of ours
  }
  return 'Another kite-autologin';
}


function aborted(key: string, cause: unknown): AbortedError {
  return new AbortedError(`Stopped while waiting for the lock ${key}.`, { cause });
}
