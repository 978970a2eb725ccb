import { randomBytes } from 'node:crypto';
import { movePath, removeTree, touchSync } from '../../disk/paths.js';
import { readTextSync } from '../../disk/read.js';
import { join } from 'node:path';
import { LockLostError } from '../../errors/index.js';
import { Lease } from './lease.js';
import type { AccountLock, LockSettings } from './lock-options.js';
import { codeOf, OWNER_FILE, parseOwner, readOwner, type Owner } from './lock-owner.js';

/** A lock this process holds: refreshed in the background, asserted right before what two processes must never do at once. */
export class HeldAccountLock implements AccountLock {
  readonly path: string;
  readonly #token: string;
  readonly #lease: Lease;
  #released: Promise<void> | undefined;

  constructor(path: string, token: string, settings: LockSettings, wall: number, mono: number) {
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
      await movePath(this.path, aside);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return;
      throw error;
    }
    const moved = await readOwner(aside).catch(() => undefined);
    if (moved?.token === this.#token) {
      await removeTree(aside);
      return;
    }
    await movePath(aside, this.path).catch(async () => {
      await removeTree(aside).catch(() => undefined);
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
      owner = parseOwner(readTextSync(join(this.path, OWNER_FILE)));
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
      touchSync(this.path, new Date(wall));
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


