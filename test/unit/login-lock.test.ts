import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLoginLock } from '../../src/state/login-lock.js';

describe('login lock', () => {
  let dir: string;
  let tokenFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-lock-'));
    tokenFile = join(dir, 'data', 'token.json');
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('keeps a second login out while the first holds it, and lets it in after', async () => {
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = withLoginLock(tokenFile, async () => {
      order.push('first in');
      await new Promise<void>((r) => { releaseFirst = r; });
      order.push('first out');
    });
    await expect.poll(() => order).toEqual(['first in']);
    const second = withLoginLock(tokenFile, async () => { order.push('second in'); });
    await expect(withLoginLock(tokenFile, async () => undefined, { waitMs: 0 })).rejects.toMatchObject({ code: 'LOCKED', retryable: true });
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
  });

  it('takes over a lock left by a dead process (not refreshed for a while)', async () => {
    await mkdir(`${tokenFile}.lock`, { recursive: true });
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(`${tokenFile}.lock`, longAgo, longAgo);
    await expect(withLoginLock(tokenFile, async () => 'ran', { waitMs: 0 })).resolves.toBe('ran');
  });

  it('releases the lock when the work fails', async () => {
    await expect(withLoginLock(tokenFile, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(withLoginLock(tokenFile, async () => 'again', { waitMs: 0 })).resolves.toBe('again');
  });
});
