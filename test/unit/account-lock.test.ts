import { utimesSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, ConfigError, LockedError, LockLostError } from '../../src/errors/index.js';
import { acquireAccountLock, withAccountLock, type AccountLockOptions } from '../../src/account/files/account-lock.js';
import { sleep } from '../../src/time/sleep.js';

/** A process's view of time: its wall clock and its monotonic clock, moved by hand. */
function fakeClock(wall: number) {
  const clock = {
    wall,
    mono: 1_000,
    now: () => clock.wall,
    monotonic: () => clock.mono,
    /** Both clocks move: time passes (or the process is paused). */
    advance(ms: number) { clock.wall += ms; clock.mono += ms; },
  };
  return clock;
}

/** setInterval/clearInterval that only run when told to. */
function fakeTimers() {
  const active = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: (fn: () => void) => { const id = next++; active.set(id, fn); return id; },
    clearInterval: (handle: unknown) => { active.delete(handle as number); },
    /** Runs every active interval once, as if refreshMs had passed. */
    fire() { for (const fn of [...active.values()]) fn(); },
    get active() { return active.size; },
  };
}

type Clock = ReturnType<typeof fakeClock>;
type Timers = ReturnType<typeof fakeTimers>;

/** Options for one fake process: its own clocks and timers, and a sleep that only moves its clocks. */
function processOptions(clock: Clock, timers: Timers, extra: AccountLockOptions = {}): AccountLockOptions {
  return {
    now: clock.now,
    monotonic: clock.monotonic,
    setInterval: timers.setInterval,
    clearInterval: timers.clearInterval,
    sleep: (ms) => { clock.advance(ms); return Promise.resolve(); },
    ...extra,
  };
}

async function ownerOf(lockPath: string): Promise<{ token: string; pid: number; hostname: string; acquiredAt: string }> {
  return JSON.parse(await readFile(join(lockPath, 'owner.json'), 'utf8')) as { token: string; pid: number; hostname: string; acquiredAt: string };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

describe('account lock', () => {
  const BASE = Date.UTC(2025, 0, 6, 3, 0, 0);
  let dir: string;
  let lockPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-account-lock-'));
    lockPath = join(dir, 'state', 'account.lock');
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('acquires a lock folder naming its owner, and release removes it (idempotent)', async () => {
    const clock = fakeClock(BASE);
    const timers = fakeTimers();
    const lock = await acquireAccountLock(lockPath, processOptions(clock, timers));
    expect(lock.path).toBe(lockPath);
    const owner = await ownerOf(lockPath);
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname(), acquiredAt: new Date(BASE).toISOString() });
    expect(owner.token).toMatch(/^[0-9a-f]{32}$/);
    expect((await stat(lockPath)).mtimeMs).toBe(BASE);
    expect(timers.active).toBe(1);
    expect(() => { lock.assertHeld(); }).not.toThrow();
    expect(lock.lost).toBe(false);

    await lock.release();
    await lock.release();
    expect(await exists(lockPath)).toBe(false);
    expect(await readdir(join(dir, 'state'))).toEqual([]);
    expect(timers.active).toBe(0);
    expect(() => { lock.assertHeld(); }).toThrow(LockLostError);
  });

  it('makes a second acquirer wait while the first holds it, and lets it in after release', async () => {
    const first = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers()));
    const clockB = fakeClock(BASE);
    const slept: number[] = [];
    const second = await acquireAccountLock(lockPath, processOptions(clockB, fakeTimers(), {
      sleep: async (ms) => {
        slept.push(ms);
        clockB.advance(ms);
        if (slept.length === 2) await first.release();
      },
    }));
    expect(slept).toEqual([500, 750]);
    expect((await ownerOf(lockPath)).token).not.toBe('');
    expect(() => { second.assertHeld(); }).not.toThrow();
    expect(first.lost).toBe(false);
    await second.release();
    expect(await exists(lockPath)).toBe(false);
  });

  it('gives up after waitMs with LockedError naming the lock and how long it waited', async () => {
    const first = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers()));
    const clockB = fakeClock(BASE);
    const slept: number[] = [];
    const attempt = acquireAccountLock(lockPath, processOptions(clockB, fakeTimers(), {
      waitMs: 6_000,
      sleep: (ms) => { slept.push(ms); clockB.advance(ms); return Promise.resolve(); },
    }));
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect(error).toMatchObject({ code: 'LOCKED', retryable: true });
    expect((error as Error).message).toContain(lockPath);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain('after 6s');
    expect(slept.reduce((a, b) => a + b, 0)).toBe(6_000);
    expect(Math.max(...slept)).toBeLessThanOrEqual(2_000);
    expect((await ownerOf(lockPath)).pid).toBe(process.pid);
    await first.release();
  });

  it('stops waiting with AbortedError when the signal aborts', async () => {
    const first = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers()));
    const controller = new AbortController();
    const attempt = acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers(), {
      signal: controller.signal,
      sleep: (ms, signal) => { controller.abort(); return sleep(ms, signal); }, // the real timer, cut short at once
    }));
    await expect(attempt).rejects.toBeInstanceOf(AbortedError);
    expect(first.lost).toBe(false);
    await first.release();
  });

  it('takes over a stale lock (not refreshed for longer than staleMs)', async () => {
    await mkdir(lockPath, { recursive: true });
    await writeFile(join(lockPath, 'owner.json'), JSON.stringify({ token: 'dead'.repeat(8), pid: 999_999, hostname: 'gone', acquiredAt: 'then' }));
    const longAgo = new Date(BASE - 25_000);
    await utimes(lockPath, longAgo, longAgo);

    const lock = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers(), { waitMs: 0 }));
    expect((await ownerOf(lockPath)).pid).toBe(process.pid);
    expect(() => { lock.assertHeld(); }).not.toThrow();
    expect(await readdir(join(dir, 'state'))).toEqual(['account.lock']); // nothing left aside
    await lock.release();
  });

  it('a contender that judged a lock stale puts it back if it was refreshed before the takeover', async () => {
    const a = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers()));
    const tokenA = (await ownerOf(lockPath)).token;
    const inode = (await stat(lockPath)).ino;
    const clockB = fakeClock(BASE + 25_000);
    let looks = 0;
    const attempt = acquireAccountLock(lockPath, processOptions(clockB, fakeTimers(), {
      waitMs: 0,
      // B reads the clock right after looking at the folder (it is stale: mtime BASE). Just
      // then, before B moves it aside, its holder refreshes it.
      now: () => {
        looks += 1;
        if (looks === 1) {
          const fresh = new Date(BASE + 25_000);
          utimesSync(lockPath, fresh, fresh);
        }
        return clockB.now();
      },
    }));
    await expect(attempt).rejects.toBeInstanceOf(LockedError);
    expect((await ownerOf(lockPath)).token).toBe(tokenA);
    expect((await stat(lockPath)).ino).toBe(inode);
    expect(await readdir(join(dir, 'state'))).toEqual(['account.lock']);
    expect(() => { a.assertHeld(); }).not.toThrow();
    await a.release();
  });

  it('waits for a lock folder without owner.json while it is fresh, and takes it over once stale', async () => {
    await mkdir(lockPath, { recursive: true });
    const fresh = new Date(BASE - 1_000);
    await utimes(lockPath, fresh, fresh);
    await expect(acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers(), { waitMs: 0 })))
      .rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining(lockPath) as unknown });

    const longAgo = new Date(BASE - 21_000);
    await utimes(lockPath, longAgo, longAgo);
    const lock = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers(), { waitMs: 0 }));
    expect((await ownerOf(lockPath)).pid).toBe(process.pid);
    await lock.release();
  });

  it('never removes another owner\'s lock on release', async () => {
    const lock = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers()));
    const foreign = JSON.stringify({ token: 'f'.repeat(32), pid: 4242, hostname: 'other', acquiredAt: 'now' });
    await writeFile(join(lockPath, 'owner.json'), foreign);
    await lock.release();
    expect(await readFile(join(lockPath, 'owner.json'), 'utf8')).toBe(foreign);
  });

  it('makes the lock folder and its missing parents 0700, and owner.json 0600, even under umask 0', async () => {
    const previous = process.umask(0);
    try {
      const lock = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers()));
      expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700);
      expect((await stat(lockPath)).mode & 0o777).toBe(0o700);
      expect((await stat(join(lockPath, 'owner.json'))).mode & 0o777).toBe(0o600);
      await lock.release();
    } finally {
      process.umask(previous);
    }
  });

  it('throws ConfigError naming the lock path when its folder cannot be made (a file in the way)', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, '');
    for (const path of [join(file, 'state', 'account.lock'), join(file, 'account.lock')]) {
      const error = await acquireAccountLock(path, processOptions(fakeClock(BASE), fakeTimers(), { waitMs: 0 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]?.variable).toBe('STATE_DIR');
      expect(problems[0]?.message).toContain(path);
      expect(problems[0]?.message).toMatch(/writable/);
    }
  });

  it('throws ConfigError when the lock path is a file, not a folder', async () => {
    await mkdir(join(dir, 'state'));
    await writeFile(lockPath, '');
    await expect(acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers(), { waitMs: 0 })))
      .rejects.toBeInstanceOf(ConfigError);
    expect(await readFile(lockPath, 'utf8')).toBe('');
  });

  it('a holder paused past staleMs whose lock was taken over: assertHeld throws, lost is true, and release leaves the new owner\'s lock', async () => {
    const clockA = fakeClock(BASE);
    const timersA = fakeTimers();
    const a = await acquireAccountLock(lockPath, processOptions(clockA, timersA));
    const lostA: Error[] = [];
    a.onLost((error) => { lostA.push(error); });
    a.assertHeld();

    // A is paused (SIGSTOP, a paused VM): its clocks move on, its refresh never runs, so the
    // folder's mtime stays at BASE. B, on the same machine 25 s later, finds it stale.
    clockA.advance(25_000);
    const clockB = fakeClock(BASE + 25_000);
    const b = await acquireAccountLock(lockPath, processOptions(clockB, fakeTimers(), { waitMs: 0 }));
    const ownerB = await ownerOf(lockPath);
    expect(ownerB.acquiredAt).toBe(new Date(BASE + 25_000).toISOString());

    // A resumes right before submitting a password.
    expect(() => { a.assertHeld(); }).toThrow(LockLostError);
    expect(a.lost).toBe(true);
    expect(() => { a.assertHeld(); }).toThrow(/taken over/);
    expect(lostA).toHaveLength(1);
    expect(lostA[0]).toMatchObject({ code: 'LOCK_LOST', retryable: true });
    expect(timersA.active).toBe(0);

    await a.release();
    expect((await ownerOf(lockPath)).token).toBe(ownerB.token);
    expect(() => { b.assertHeld(); }).not.toThrow();
    expect(b.lost).toBe(false);
    await b.release();
    expect(await exists(lockPath)).toBe(false);
  });

  it('a holder paused past the safety margin cannot be sure it holds the lock even if nobody took it over', async () => {
    const cases: [string, (clock: Clock) => void][] = [
      ['both clocks', (clock) => { clock.advance(16_000); }],
      ['only the monotonic clock (the wall clock was set back)', (clock) => { clock.mono += 16_000; }],
      ['only the wall clock (the wall clock jumped ahead)', (clock) => { clock.wall += 16_000; }],
    ];
    for (const [name, pause] of cases) {
      const clock = fakeClock(BASE);
      const lock = await acquireAccountLock(lockPath, processOptions(clock, fakeTimers()));
      const token = (await ownerOf(lockPath)).token;
      clock.advance(14_000);
      expect(() => { lock.assertHeld(); }, name).not.toThrow(); // within the margin, and refreshes it
      pause(clock);
      expect(() => { lock.assertHeld(); }, name).toThrow(LockLostError);
      expect(lock.lost, name).toBe(true);
      expect(() => { lock.assertHeld(); }, name).toThrow(/cannot be sure/);
      // Nobody took it: it is still ours on disk, and release removes it.
      expect((await ownerOf(lockPath)).token, name).toBe(token);
      await lock.release();
      expect(await exists(lockPath), name).toBe(false);
    }
  });

  it('keeps the lock while the background refresh runs every refreshMs, so contenders keep waiting', async () => {
    const clock = fakeClock(BASE);
    const timers = fakeTimers();
    const lock = await acquireAccountLock(lockPath, processOptions(clock, timers));
    for (let i = 0; i < 20; i += 1) {
      clock.advance(5_000);
      timers.fire();
    }
    expect((await stat(lockPath)).mtimeMs).toBe(BASE + 100_000);
    expect(lock.lost).toBe(false);
    expect(() => { lock.assertHeld(); }).not.toThrow();
    await expect(acquireAccountLock(lockPath, processOptions(fakeClock(BASE + 100_000 + 19_000), fakeTimers(), { waitMs: 0 })))
      .rejects.toBeInstanceOf(LockedError);
    await lock.release();
  });

  it('a background refresh that finds another token calls onLost listeners once, and leaves the new owner\'s lock alone', async () => {
    const timersA = fakeTimers();
    const a = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), timersA));
    const calls: Error[] = [];
    a.onLost((error) => { calls.push(error); });
    a.onLost(() => { throw new Error('a failing listener'); });
    a.onLost((error) => { calls.push(error); });

    // B finds A's lock stale (as if A had not refreshed it for 25 s) and takes it over.
    const longAgo = new Date(BASE - 25_000);
    await utimes(lockPath, longAgo, longAgo);
    const b = await acquireAccountLock(lockPath, processOptions(fakeClock(BASE), fakeTimers(), { waitMs: 0 }));
    const mtimeB = (await stat(lockPath)).mtimeMs;

    timersA.fire();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toBeInstanceOf(LockLostError);
    expect(calls[0]?.message).toMatch(/taken over/);
    expect(a.lost).toBe(true);
    expect(timersA.active).toBe(0);
    timersA.fire();
    expect(calls).toHaveLength(2);
    expect((await stat(lockPath)).mtimeMs).toBe(mtimeB);

    const late = await new Promise<Error>((resolve) => { a.onLost(resolve); });
    expect(late).toBe(calls[0]);
    await a.release();
    expect(() => { b.assertHeld(); }).not.toThrow();
    await b.release();
  });

  it('a background refresh after a pause past the safety margin marks it lost', async () => {
    const clock = fakeClock(BASE);
    const timers = fakeTimers();
    const lock = await acquireAccountLock(lockPath, processOptions(clock, timers));
    const calls: Error[] = [];
    lock.onLost((error) => { calls.push(error); });
    clock.advance(30_000);
    timers.fire();
    expect(lock.lost).toBe(true);
    expect(calls).toHaveLength(1);
    expect(() => { lock.assertHeld(); }).toThrow(LockLostError);
    await lock.release();
    expect(await exists(lockPath)).toBe(false);
  });

  it('withAccountLock runs the work holding the lock, and releases it whether the work succeeds or fails', async () => {
    const options = processOptions(fakeClock(BASE), fakeTimers(), { waitMs: 0 });
    await expect(withAccountLock(lockPath, async (lock) => {
      lock.assertHeld();
      expect(await exists(join(lockPath, 'owner.json'))).toBe(true);
      return 'done';
    }, options)).resolves.toBe('done');
    expect(await exists(lockPath)).toBe(false);
    await expect(withAccountLock(lockPath, () => Promise.reject(new Error('boom')), options)).rejects.toThrow('boom');
    expect(await exists(lockPath)).toBe(false);
  });

  it('refuses a refresh interval that leaves no margin before the lock goes stale', async () => {
    await expect(acquireAccountLock(lockPath, { staleMs: 20_000, refreshMs: 15_000 })).rejects.toBeInstanceOf(RangeError);
    expect(await exists(lockPath)).toBe(false);
  });
});
