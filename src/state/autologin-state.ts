import type { ErrorCode } from '../errors/error-code.js';
import type { DayRun } from './day-run.js';

/**
 * The morning record's content, wherever it lives (a state file, a database row): the day's
 * run, the last attempt, Kite's clock, the next runs, the daemon's heartbeat.
 */

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

/** Changes the state it is given in place, or returns the state to write instead. */
export type StateChange = ((state: AutologinState) => void) | ((state: AutologinState) => AutologinState);

