import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AbortedError, LockedError, LockLostError } from '../../src/errors/index.js';
import { lockKey } from '../../src/redis/keys.js';
import { createRedisClient } from '../../src/redis/redis-client.js';
import { RedisUnavailableError } from '../../src/redis/redis-error.js';
import { acquireRedisLock, type RedisAccountLock } from '../../src/redis/redis-lock.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import type { AccountLockOptions } from '../../src/state/account-lock.js';
import { twoHostsOnOneRedis } from '../support/redis-hosts.js';
import { startRedisServer } from '../support/redis-server.js';

/** One process's clocks, moved by hand, and refresh timers that run only when fired. */
class FakeProcess {
  wall = Date.UTC(2026, 10, 23, 2, 30);
  mono = 1_000;
  readonly slept: number[] = [];
  readonly #active = new Map<number, () => void>();
  #next = 1;
  readonly options: AccountLockOptions;

  constructor(extra: AccountLockOptions = {}) {
    this.options = {
      now: () => this.wall,
      monotonic: () => this.mono,
      setInterval: (fn: () => void) => { const id = this.#next++; this.#active.set(id, fn); return id; },
      clearInterval: (handle: unknown) => { this.#active.delete(handle as number); },
      sleep: (ms: number) => { this.slept.push(ms); this.advance(ms); return Promise.resolve(); },
      ...extra,
    };
  }

  advance(ms: number): void { this.wall += ms; this.mono += ms; }
  /** Runs every active refresh once, as if refreshMs had passed. */
  fire(): void { for (const fn of [...this.#active.values()]) fn(); }
  get timers(): number { return this.#active.size; }
}

const fakeProcess = (extra: AccountLockOptions = {}): FakeProcess => new FakeProcess(extra);

let accounts = 0;
const nextUser = (): string => `LK${String(++accounts).padStart(4, '0')}`;

function lostPromise(lock: RedisAccountLock): Promise<Error> {
  return new Promise((resolve) => { lock.onLost(resolve); });
}

describe('Redis account lock (real Redis)', () => {
  const hosts = twoHostsOnOneRedis();

  it('lets one of two hosts acquire; the other waits waitMs, then LockedError names the holder', async () => {
    const user = nextUser();
    const a = fakeProcess();
    const b = fakeProcess();
    const results = await Promise.allSettled([
      acquireRedisLock(hosts.hostA, 'abc123', user, { ...a.options, waitMs: 0 }),
      acquireRedisLock(hosts.hostB, 'abc123', user, { ...b.options, waitMs: 0 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const holder = results.find((r) => r.status === 'fulfilled')?.value as RedisAccountLock;
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(LockedError);

    const c = fakeProcess();
    const waiting = await acquireRedisLock(hosts.hostB, 'abc123', user, { ...c.options, waitMs: 7_000 }).then(() => undefined, (e: unknown) => e);
    expect(waiting).toBeInstanceOf(LockedError);
    expect((waiting as Error).message).toContain(`pid ${String(process.pid)} on ${hostname()}`);
    expect((waiting as Error).message).toContain(lockKey('abc123', user));
    expect(c.slept.length).toBeGreaterThan(1);
    expect(c.slept.reduce((sum, ms) => sum + ms, 0)).toBe(7_000);
    await holder.release();
  });

  it('releases only its own lock: a holder that lost it to another leaves the new owner\'s alone', async () => {
    const user = nextUser();
    const key = lockKey('abc123', user);
    const a = fakeProcess();
    const lockA = await acquireRedisLock(hosts.hostA, 'abc123', user, a.options);
    expect(a.timers).toBe(1);
    await hosts.hostB.call('DEL', key); // as if it had expired
    const b = fakeProcess();
    const lockB = await acquireRedisLock(hosts.hostB, 'abc123', user, b.options);
    const valueB = await hosts.hostB.call('GET', key);

    await lockA.release();
    expect(a.timers).toBe(0);
    expect(await hosts.hostB.call('GET', key)).toBe(valueB);
    await expect(acquireRedisLock(hosts.hostA, 'abc123', user, { ...fakeProcess().options, waitMs: 0 })).rejects.toBeInstanceOf(LockedError);

    await lockB.release();
    await lockB.release();
    expect(await hosts.hostB.call('EXISTS', key)).toBe(0);
    expect(() => { lockB.assertHeld(); }).toThrow(LockLostError);
  });

  it('expires when its holder stops refreshing; another takes it over, and the old holder learns so at its next refresh', async () => {
    const user = nextUser();
    const a = fakeProcess({ staleMs: 600, refreshMs: 100 });
    const lockA = await acquireRedisLock(hosts.hostA, 'abc123', user, a.options);
    const lost = lostPromise(lockA);
    // Real clocks and timers: B waits until Redis lets A's lock expire.
    const lockB = await acquireRedisLock(hosts.hostB, 'abc123', user, { staleMs: 600, refreshMs: 100, waitMs: 10_000 });
    expect(() => { lockA.assertHeld(); }).not.toThrow(); // nothing observed yet, and not yet too old

    a.fire();
    expect((await lost).message).toMatch(/was taken over by another kite-autologin \(pid \d+ on /);
    expect(lockA.lost).toBe(true);
    expect(() => { lockA.assertHeld(); }).toThrow(LockLostError);
    expect(a.timers).toBe(0);
    expect(() => { lockB.assertHeld(); }).not.toThrow();
    await lockB.release();
  });

  it('assertHeld refuses once staleMs - staleMs/4 has passed since the last confirmation, on either clock', async () => {
    const a = fakeProcess();
    const lock = await acquireRedisLock(hosts.hostA, 'abc123', nextUser(), a.options);
    a.advance(14_999);
    expect(() => { lock.assertHeld(); }).not.toThrow();
    a.advance(1);
    expect(() => { lock.assertHeld(); }).toThrow(/cannot be sure it still holds it/);
    expect(lock.lost).toBe(true);
    await lock.release();

    const b = fakeProcess();
    const other = await acquireRedisLock(hosts.hostA, 'abc123', nextUser(), b.options);
    b.wall -= 60_000; // the wall clock stepped back; the monotonic one still counts
    b.mono += 15_000;
    expect(() => { other.assertHeld(); }).toThrow(LockLostError);
    await other.release();
  });

  it('refreshes in the background by compare-and-PEXPIRE, which renews how long assertHeld may trust it', async () => {
    const user = nextUser();
    const key = lockKey('abc123', user);
    const a = fakeProcess();
    const lock = await acquireRedisLock(hosts.hostA, 'abc123', user, a.options);
    a.advance(10_000);
    await hosts.hostB.call('PEXPIRE', key, 1_000);
    a.fire();
    // Polled on A's own connection: its answer comes after that of the refresh.
    await expect.poll(async () => await hosts.hostA.call('PTTL', key) as number).toBeGreaterThan(5_000);
    a.advance(10_000); // 20 s since acquiring, 10 s since the refresh
    expect(() => { lock.assertHeld(); }).not.toThrow();
    await lock.release();
  });

  it('confirmHeld asks Redis: extends a held lock, and throws LockLostError once another owns it', async () => {
    const user = nextUser();
    const key = lockKey('abc123', user);
    const a = fakeProcess();
    const lock = await acquireRedisLock(hosts.hostA, 'abc123', user, a.options);
    await hosts.hostB.call('PEXPIRE', key, 1_000);
    await lock.confirmHeld();
    expect(await hosts.hostB.call('PTTL', key)).toBeGreaterThan(5_000);

    await hosts.hostB.call('SET', key, JSON.stringify({ token: 'x', pid: 4242, hostname: 'host-b', acquiredAt: 'now' }));
    expect(() => { lock.assertHeld(); }).not.toThrow(); // the synchronous check cannot know yet
    await expect(lock.confirmHeld()).rejects.toThrow(/taken over by another kite-autologin \(pid 4242 on host-b/);
    expect(lock.lost).toBe(true);
    await lock.release();
    expect(await hosts.hostB.call('GET', key)).toContain('host-b');
  });

  it('confirmHeld throws LockLostError when Redis cannot answer, without calling the lock lost', async () => {
    const down = await startRedisServer();
    const client = createRedisClient(parseRedisUrl(down.url()));
    const a = fakeProcess();
    const lock = await acquireRedisLock(client, 'abc123', nextUser(), a.options);
    await down.stop();
    await expect(lock.confirmHeld()).rejects.toThrow(LockLostError);
    await expect(lock.confirmHeld()).rejects.toThrow(/cannot be reached/);
    expect(lock.lost).toBe(false);
    a.fire(); // a failed background refresh changes nothing either...
    await expect(client.call('PING')).rejects.toBeInstanceOf(RedisUnavailableError); // queued after it: it has failed too
    expect(lock.lost).toBe(false);
    expect(() => { lock.assertHeld(); }).not.toThrow();
    a.advance(15_000); // ...until the last confirmation is too old
    expect(() => { lock.assertHeld(); }).toThrow(LockLostError);
    await expect(acquireRedisLock(client, 'abc123', nextUser(), a.options)).rejects.toBeInstanceOf(RedisUnavailableError);
    await lock.release().catch(() => undefined);
    await client.close();
  });

  it('stops waiting when its signal aborts', async () => {
    const user = nextUser();
    const holder = await acquireRedisLock(hosts.hostA, 'abc123', user, fakeProcess().options);
    const controller = new AbortController();
    const waiting = acquireRedisLock(hosts.hostB, 'abc123', user, {
      ...fakeProcess().options,
      signal: controller.signal,
      sleep: (_ms, signal) => new Promise((_resolve, reject) => { signal?.addEventListener('abort', () => { reject(signal.reason as Error); }); controller.abort(); }),
    });
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    await holder.release();
  });
});
