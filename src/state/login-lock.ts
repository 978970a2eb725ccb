import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { LockedError } from '../errors/index.js';

export interface LockOptions {
  /** How long to wait for another login to finish. Default 3 minutes. */
  waitMs?: number;
  /** Called if the lock is lost while held (its folder removed, the disk gone). */
  onCompromised?: (error: Error) => void;
}

/**
 * Runs `work` holding `<token file>.lock`, so the daemon and a manual `login` never log in
 * at the same time. The lock is a folder whose mtime the holder refreshes every few
 * seconds; one left by a dead process (crash, container restart) is stale after 20 s and
 * taken over. Waits for a live holder, then the caller re-checks the token it saved.
 */
export async function withLoginLock<T>(tokenFile: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await mkdir(dirname(tokenFile), { recursive: true, mode: 0o700 });
  const waitMs = options.waitMs ?? 180_000;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(tokenFile, {
      lockfilePath: `${tokenFile}.lock`,
      realpath: false,
      stale: 20_000,
      update: 5_000,
      retries: { retries: Math.max(0, Math.ceil(waitMs / 2_000)), minTimeout: 500, maxTimeout: 2_000, factor: 1.5 },
      onCompromised: options.onCompromised ?? (() => undefined),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new LockedError(`Another kite-autologin is logging in with ${tokenFile} (lock ${tokenFile}.lock); gave up waiting after ${Math.round(waitMs / 1000)}s.`);
    }
    throw error;
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
