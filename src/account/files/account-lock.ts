import { randomBytes } from 'node:crypto';
import { linkPath, makeFolder as mkdirOne, movePath, removeEmptyFolder, removeFile, removeTree, touch } from '../../disk/paths.js';
import { infoOf } from '../../disk/read.js';
import { ensureFolder, writeNew } from '../../disk/write.js';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { AbortedError, ConfigError, LockedError } from '../../errors/index.js';
import { HeldAccountLock } from './held-lock.js';
import { resolveLockSettings, type AccountLock, type AccountLockOptions, type LockSettings } from './lock-options.js';
import { codeOf, OWNER_FILE, readOwner, type Owner } from './lock-owner.js';

export type { AccountLock, AccountLockOptions };

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 2_000;
/** Lost races (the folder vanished between two calls) retried at once before waiting. */
const IMMEDIATE_RETRIES = 5;

type Settings = LockSettings;

type Attempt =
  | { kind: 'acquired'; lock: AccountLock }
  /** A live holder has it. */
  | { kind: 'busy'; owner: Owner | undefined }
  /** Lost a race (the folder was removed, replaced or taken between two calls): try again. */
  | { kind: 'race' };

/**
 * Takes the account lock at `path`, a folder (0700) holding owner.json (0600: a random
 * token, pid, hostname, acquiredAt). Only one kite-autologin holds it at a time; while it
 * does, it refreshes the folder's mtime every refreshMs. One not refreshed for staleMs (its
 * holder died, or is paused) is taken over: moved aside under a unique name (only one
 * contender's rename succeeds), checked to be the very folder judged stale, removed, and
 * made again. Waits up to waitMs for a live holder, then throws LockedError.
 * A folder that cannot be made or written throws ConfigError (STATE_DIR).
 */
export async function acquireAccountLock(path: string, options: AccountLockOptions = {}): Promise<AccountLock> {
  const settings = resolveSettings(options);
  const started = settings.monotonic();
  let delay = FIRST_DELAY_MS;
  let races = 0;
  let owner: Owner | undefined;
  for (;;) {
    if (settings.signal?.aborted) throw aborted(path, settings.signal.reason);
    const attempt = await tryAcquire(path, settings);
    if (attempt.kind === 'acquired') return attempt.lock;
    if (attempt.kind === 'race' && races < IMMEDIATE_RETRIES) {
      races += 1;
      continue;
    }
    races = 0;
    if (attempt.kind === 'busy') owner = attempt.owner;
    const waited = settings.monotonic() - started;
    const remaining = settings.waitMs - waited;
    if (remaining <= 0) {
      const who = owner === undefined ? 'Another kite-autologin' : `Another kite-autologin (pid ${owner.pid} on ${owner.hostname}, since ${owner.acquiredAt})`;
      throw new LockedError(`${who} holds the lock at ${path}; gave up waiting after ${Math.round(waited / 1000)}s.`);
    }
    await settings.sleep(Math.min(delay, remaining), settings.signal).catch((error: unknown) => {
      throw aborted(path, error);
    });
    delay = Math.min(MAX_DELAY_MS, delay * 1.5);
  }
}

/** Runs `work` holding the lock, and releases it after (whether `work` succeeds or not). */
export async function withAccountLock<T>(path: string, work: (lock: AccountLock) => Promise<T>, options: AccountLockOptions = {}): Promise<T> {
  const lock = await acquireAccountLock(path, options);
  try {
    return await work(lock);
  } finally {
    // A lock that cannot be removed goes stale on its own once it is no longer refreshed.
    await lock.release().catch(() => undefined);
  }
}

const resolveSettings = resolveLockSettings;

async function tryAcquire(path: string, settings: Settings): Promise<Attempt> {
  try {
    await ensureFolder(dirname(path));
  } catch (error) {
    throw notWritable(path, error);
  }
  const made = await makeFolder(path);
  if (made === 'race') return { kind: 'race' };
  if (made === 'exists') {
    const seen = await inspect(path, settings);
    if (seen.kind !== 'stale') return seen;
    const outcome = await takeOver(path, seen, settings);
    if (outcome !== 'taken') return outcome === 'busy' ? { kind: 'busy', owner: seen.owner } : { kind: 'race' };
    // Another contender may make it between our removal and this mkdir: it won, we wait.
    if ((await makeFolder(path)) !== 'made') return { kind: 'race' };
  }
  return claim(path, settings);
}

async function makeFolder(path: string): Promise<'made' | 'exists' | 'race'> {
  try {
    await mkdirOne(path);
    return 'made';
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EEXIST') return 'exists';
    if (code === 'ENOENT') return 'race'; // its parent was removed: the next try makes it again
    throw notWritable(path, error);
  }
}

interface Stale {
  kind: 'stale';
  ino: number;
  dev: number;
  owner: Owner | undefined;
}

async function inspect(path: string, settings: Settings): Promise<Stale | Attempt> {
  let info;
  try {
    info = await infoOf(path);
  } catch (error) {
    throw notWritable(path, error);
  }
  if (info === undefined) return { kind: 'race' };
  if (!info.isDirectory) {
    throw new ConfigError([{ variable: 'STATE_DIR', message: `${path} should be kite-autologin's lock folder but is not a folder; remove it (when no kite-autologin is running).` }]);
  }
  let owner: Owner | undefined;
  try {
    owner = await readOwner(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'race' };
    throw notWritable(path, error);
  }
  // No owner.json (a holder that died between mkdir and writing it) is judged the same way.
  if (settings.now() - info.mtimeMs > settings.staleMs) return { kind: 'stale', ino: info.ino, dev: info.dev, owner };
  return { kind: 'busy', owner };
}

/**
 * Moves a stale lock aside and removes it. Between our look at it and the rename, another
 * contender may have replaced it, or its holder refreshed it: so the folder moved aside must
 * be the very one judged stale (same inode and owner, still stale). If not, it goes back.
 */
async function takeOver(path: string, seen: Stale, settings: Settings): Promise<'taken' | 'busy' | 'race'> {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await movePath(path, aside);
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ENOENT' || code === 'EEXIST' || code === 'ENOTEMPTY') return 'race';
    throw notWritable(path, error);
  }
  const info = await infoOf(aside).catch(() => undefined);
  const owner = await readOwner(aside).catch(() => null);
  const same = info !== undefined
    && info.ino === seen.ino
    && info.dev === seen.dev
    && settings.now() - info.mtimeMs > settings.staleMs
    && owner !== null
    && owner?.token === seen.owner?.token;
  if (same) {
    await removeTree(aside).catch(() => undefined);
    return 'taken';
  }
  try {
    await movePath(aside, path);
    return 'busy';
  } catch {
    // Another lock took its place meanwhile: the one we moved had lost it anyway.
    await removeTree(aside).catch(() => undefined);
    return 'race';
  }
}

/**
 * Writes owner.json into the folder we just made. It is written whole under a name of its
 * own, then linked into place (link fails if it exists): readers never see half of it, and
 * if our folder was replaced meanwhile by another's, theirs is left alone.
 */
async function claim(path: string, settings: Settings): Promise<Attempt> {
  const token = randomBytes(16).toString('hex');
  const owner: Owner = { token, pid: process.pid, hostname: hostname(), acquiredAt: new Date(settings.now()).toISOString() };
  const temp = join(path, `owner.${token}.tmp`);
  try {
    await writeNew(temp, `${JSON.stringify(owner)}\n`);
  } catch (error) {
    await removeFile(temp).catch(() => undefined);
    if (codeOf(error) === 'ENOENT') return { kind: 'race' };
    await removeEmptyFolder(path).catch(() => undefined); // only if empty: never one with an owner
    throw notWritable(path, error);
  }
  try {
    await linkPath(temp, join(path, OWNER_FILE));
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EEXIST' || code === 'ENOENT') return { kind: 'race' };
    await removeFile(temp).catch(() => undefined);
    await removeEmptyFolder(path).catch(() => undefined);
    throw notWritable(path, error);
  } finally {
    await removeFile(temp).catch(() => undefined);
  }
  const wall = settings.now();
  const mono = settings.monotonic();
  try {
    await touch(path, new Date(wall));
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'race' };
    throw notWritable(path, error);
  }
  const check = await readOwner(path).catch(() => undefined);
  if (check?.token !== token) return { kind: 'race' };
  return { kind: 'acquired', lock: new HeldAccountLock(path, token, settings, wall, mono) };
}

function notWritable(path: string, error: unknown): ConfigError {
  const code = codeOf(error) ?? String(error);
  return new ConfigError([{
    variable: 'STATE_DIR',
    message: `the lock folder ${path} cannot be created or used (${code}): its folder must be a writable folder, owned by the user kite-autologin runs as, on a volume that is not read-only. Point STATE_DIR at one, or fix its owner and permissions.`,
  }]);
}

function aborted(path: string, cause: unknown): AbortedError {
  return new AbortedError(`Stopped while waiting for the lock at ${path}.`, { cause });
}

