import { readFile } from 'node:fs/promises';
import type { ErrorCode } from '../errors/error-code.js';
import { StateError } from '../errors/state-error.js';
import type { DayRun } from './day-run.js';

/** The last morning's attempt, as `status` shows it. */
export interface LastAttempt {
  at: string;
  day: string;
  trigger: string;
  result: 'logged-in' | 'still-valid' | 'failed' | 'halted' | 'stopped';
  attempts: number;
  code?: ErrorCode | undefined;
  step?: string | undefined;
  message?: string | undefined;
  diagnostics?: readonly string[] | undefined;
}

/** The daemon's own record, refreshed every tick: `health` reads it. */
export interface DaemonRecord {
  pid: number;
  hostname: string;
  startedAt: string;
  heartbeatAt: string;
}

export interface AutologinState {
  lastAttempt?: LastAttempt | undefined;
  today?: DayRun | undefined;
  /** Kite's clock minus this machine's, as last measured during a login. */
  kiteClock?: { offsetMs: number; measuredAt: string } | undefined;
  nextRuns?: string[] | undefined;
  daemon?: DaemonRecord | undefined;
  /** The last attempt that hung past its deadline and was abandoned, until a login succeeds. */
  hung?: { at: string; step?: string | undefined; message: string } | undefined;
}

/**
 * One account's state file: JSON, 0600, replaced atomically. A file that exists but cannot
 * be read or parsed is an error (StateError, exit 2), never an empty state: it would lose
 * today's record, and a heartbeat would then overwrite it.
 */
/** Changes the state it is given in place, or returns the state to write instead. */
export type StateChange = ((state: AutologinState) => void) | ((state: AutologinState) => AutologinState);

export class StateStore {
  constructor(readonly path: string) {}

  async read(): Promise<AutologinState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
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
    const { writeAtomically } = await import('../atomic-write.js');
    await writeAtomically(this.path, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }
}
