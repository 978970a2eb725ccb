import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { DayRun } from '../schedule/plan.js';
import type { Fingerprint } from './credentials-fingerprint.js';

/** The last morning's attempt, as `status` shows it. */
export interface LastAttempt {
  at: string;
  day: string;
  trigger: string;
  result: 'logged-in' | 'still-valid' | 'failed' | 'halted' | 'stopped';
  attempts: number;
  code?: string | undefined;
  step?: string | undefined;
  message?: string | undefined;
  diagnostics?: readonly string[] | undefined;
}

/** Set when Kite rejected the credentials or the TOTP: nothing logs in until cleared. */
export interface Halt {
  at: string;
  code: string;
  message: string;
  credentials: Fingerprint;
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
  halt?: Halt | undefined;
  nextRuns?: string[] | undefined;
  daemon?: DaemonRecord | undefined;
}

export function stateFileFor(tokenFile: string): string {
  return join(dirname(tokenFile), 'kite-autologin-state.json');
}

/** The state file beside the token file: JSON, 0600, replaced atomically. */
export class StateStore {
  constructor(readonly path: string) {}

  async read(): Promise<AutologinState> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as AutologinState) : {};
    } catch {
      return {};
    }
  }

  /** Read, change, write: each writer re-reads, so the daemon and a command do not undo each other. */
  async update(change: (state: AutologinState) => AutologinState | void): Promise<AutologinState> {
    const current = await this.read();
    const next = change(current) ?? current;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600, fsync: true });
    return next;
  }
}
