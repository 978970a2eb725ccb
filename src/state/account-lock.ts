import { randomBytes } from 'node:crypto';
import { readFileSync, utimesSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { AbortedError, ConfigError, LockedError, LockLostError } from '../errors/index.js';
import { Lease, resolveLockSettings, type LockSettings } from './lease.js';
import { DEFAULT_STALE_MS } from './lock-staleness.js';

export { DEFAULT_STALE_MS };

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

const OWNER_FILE = 'owner.json';
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 2_000;
/** Lost races (the folder vanished between two calls) retried at once before waiting. */
const IMMEDIATE_RETRIES = 5;

interface Owner {
  token: string;
  pid: number;
  hostname: string;
  acquiredAt: string;
}

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
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
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
    await mkdir(path, { mode: 0o700 });
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
    info = await stat(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'race' };
    throw notWritable(path, error);
  }
  if (!info.isDirectory()) {
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
    await rename(path, aside);
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ENOENT' || code === 'EEXIST' || code === 'ENOTEMPTY') return 'race';
    throw notWritable(path, error);
  }
  const info = await stat(aside).catch(() => undefined);
  const owner = await readOwner(aside).catch(() => null);
  const same = info !== undefined
    && info.ino === seen.ino
    && info.dev === seen.dev
    && settings.now() - info.mtimeMs > settings.staleMs
    && owner !== null
    && owner?.token === seen.owner?.token;
  if (same) {
    await rm(aside, { recursive: true, force: true }).catch(() => undefined);
    return 'taken';
  }
  try {
    await rename(aside, path);
    return 'busy';
  } catch {
    // Another lock took its place meanwhile: the one we moved had lost it anyway.
    await rm(aside, { recursive: true, force: true }).catch(() => undefined);
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
    await writeFile(temp, `${JSON.stringify(owner)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    if (codeOf(error) === 'ENOENT') return { kind: 'race' };
    await rmdir(path).catch(() => undefined); // only if empty: never one with an owner
    throw notWritable(path, error);
  }
  try {
    await link(temp, join(path, OWNER_FILE));
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EEXIST' || code === 'ENOENT') return { kind: 'race' };
    await unlink(temp).catch(() => undefined);
    await rmdir(path).catch(() => undefined);
    throw notWritable(path, error);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const wall = settings.now();
  const mono = settings.monotonic();
  try {
    await utimes(path, new Date(wall), new Date(wall));
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'race' };
    throw notWritable(path, error);
  }
  const check = await readOwner(path).catch(() => undefined);
  if (check?.token !== token) return { kind: 'race' };
  return { kind: 'acquired', lock: new HeldAccountLock(path, token, settings, wall, mono) };
}

class HeldAccountLock implements AccountLock {
  readonly path: string;
  readonly #token: string;
  readonly #lease: Lease;
  #released: Promise<void> | undefined;

  constructor(path: string, token: string, settings: Settings, wall: number, mono: number) {
    this.path = path;
    this.#token = token;
    this.#lease = new Lease(settings, wall, mono, () => { this.#backgroundRefresh(); });
  }

  get lost(): boolean {
    return this.#lease.lostError !== undefined;
  }

  assertHeld(): void {
    if (this.#released !== undefined) throw new LockLostError(`The lock at ${this.path} was already released.`);
    const lost = this.#lease.lostError;
    if (lost !== undefined) throw new LockLostError(lost.message);
    const problem = this.#ownerProblem() ?? this.#ageProblem() ?? this.#refresh();
    if (problem !== undefined) {
      this.#lease.lose(problem);
      throw new LockLostError(problem);
    }
  }

  onLost(listener: (error: Error) => void): void {
    this.#lease.onLost(listener);
  }

  release(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  async #release(): Promise<void> {
    this.#lease.stop();
    const owner = await readOwner(this.path).catch(() => undefined);
    if (owner?.token !== this.#token) return; // not ours (any more): never remove another's
    // Moved aside before removal, and checked again there: if it was taken over between
    // our look and the rename, it goes back in place untouched.
    const aside = `${this.path}.released-${randomBytes(6).toString('hex')}`;
    try {
      await rename(this.path, aside);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return;
      throw error;
    }
    const moved = await readOwner(aside).catch(() => undefined);
    if (moved?.token === this.#token) {
      await rm(aside, { recursive: true, force: true });
      return;
    }
    await rename(aside, this.path).catch(async () => {
      await rm(aside, { recursive: true, force: true }).catch(() => undefined);
    });
  }

  #backgroundRefresh(): void {
    if (this.#released !== undefined || this.#lease.lostError !== undefined) return;
    try {
      const problem = this.#ownerProblem() ?? this.#ageProblem() ?? this.#refresh();
      if (problem !== undefined) this.#lease.lose(problem);
    } catch {
      // Never throw out of a timer; assertHeld will refuse once refreshes stop succeeding.
    }
  }

  /** Why owner.json does not (or cannot be shown to) name our token; undefined when it does. */
  #ownerProblem(): string | undefined {
    let owner: Owner | undefined;
    try {
      owner = parseOwner(readFileSync(join(this.path, OWNER_FILE), 'utf8'));
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return `The lock at ${this.path} was removed: another kite-autologin may have taken it over.`;
      return `The lock at ${this.path} cannot be read (${code ?? String(error)}), so this process cannot be sure it still holds it.`;
    }
    if (owner?.token === this.#token) return undefined;
    if (owner === undefined) return `The lock at ${this.path} no longer names this process: another kite-autologin may be taking it over.`;
    return `The lock at ${this.path} was taken over by another kite-autologin (pid ${owner.pid} on ${owner.hostname}).`;
  }

  /** Why too long has passed since our last refresh to be sure nobody took it over. */
  #ageProblem(): string | undefined {
    const elapsed = this.#lease.unsureFor();
    if (elapsed === undefined) return undefined;
    return `This process last refreshed the lock at ${this.path} ${Math.round(elapsed / 1000)}s ago (paused or suspended?); `
      + `another kite-autologin may take over a lock not refreshed for ${Math.round(this.#lease.settings.staleMs / 1000)}s, so this one cannot be sure it still holds it.`;
  }

  /** Touches the folder's mtime, then checks it still is ours; undefined on success. */
  #refresh(): string | undefined {
    const wall = this.#lease.settings.now();
    const mono = this.#lease.settings.monotonic();
    try {
      utimesSync(this.path, new Date(wall), new Date(wall));
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return `The lock at ${this.path} was removed: another kite-autologin may have taken it over.`;
      return undefined; // not refreshed: still sure until sureForMs have passed since the last one
    }
    const problem = this.#ownerProblem();
    if (problem !== undefined) return problem;
    this.#lease.confirmed(wall, mono);
    return undefined;
  }
}


/** owner.json of the lock folder; undefined when there is none or it is not one of ours. */
async function readOwner(folder: string): Promise<Owner | undefined> {
  try {
    return parseOwner(await readFile(join(folder, OWNER_FILE), 'utf8'));
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function parseOwner(text: string): Owner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record['token'] !== 'string') return undefined;
  return {
    token: record['token'],
    pid: typeof record['pid'] === 'number' ? record['pid'] : 0,
    hostname: typeof record['hostname'] === 'string' ? record['hostname'] : 'an unknown host',
    acquiredAt: typeof record['acquiredAt'] === 'string' ? record['acquiredAt'] : 'an unknown time',
  };
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

function codeOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
