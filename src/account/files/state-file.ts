import { readText } from '../../disk/read.js';
import { StateError } from '../../errors/state-error.js';
import type { AutologinState, StateChange } from '../../state/autologin-state.js';
import type { MorningRecord } from '../record.js';

/**
 * One account's state file: JSON, 0600, replaced atomically. A file that exists but cannot
 * be read or parsed is an error (StateError, exit 2), never an empty state: it would lose
 * today's record, and a heartbeat would then overwrite it.
 */
export class StateStore implements MorningRecord {
  constructor(readonly path: string) {}

  /** Where it lives, for messages. */
  get place(): string {
    return this.path;
  }

  async read(): Promise<AutologinState> {
    let text: string;
    try {
      text = await readText(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new StateError(this.path, `the state file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); fix its permissions.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new StateError(this.path, 'the state file is damaged (not a JSON object). It holds only the daemon\'s day record and heartbeat (stops are in the attempt ledger): move it aside and start again.');
    }
    return parsed;
  }

  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Read, change, write: each writer re-reads, so the daemon and a command do not undo each
   * other; and updates through one store wait for each other, so a heartbeat landing during
   * a morning's write cannot write an older copy back over it.
   */
  update(change: StateChange): Promise<AutologinState> {
    const next = this.#queue.then(() => this.#update(change));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #update(change: StateChange): Promise<AutologinState> {
    const current = await this.read();
    const next = change(current) ?? current;
    // Loaded when writing only: `status` and `health` read, and start faster without it.
    const { writeAtomically } = await import('../../disk/write.js');
    await writeAtomically(this.path, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }
}
