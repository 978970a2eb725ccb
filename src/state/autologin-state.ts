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

/**
 * The last run of ON_TOKEN_COMMAND (after a new token), as `status` shows it: kept in the
 * morning record, so a PostgreSQL home keeps it for every host. Never the command line (only
 * its program's name) nor its output (that goes to the log).
 */
export interface HookRun {
  /** When it started. */
  at: string;
  /** The expiry of the token it ran for (ISO 8601, IST), as handed to it in KITE_TOKEN_EXPIRES_AT. */
  expiresAt: string;
  /** The program's name: the command line's first word (see src/hook/command-name.ts). */
  command: string;
  /**
   * `ok`: exit code 0. `failed`: another exit code, or a signal it did not get from us.
   * `timed-out`: killed at ON_TOKEN_TIMEOUT_SECONDS. `interrupted`: killed because the tool
   * was stopping. `not-started`: it could not be started (`reason`).
   */
  result: 'ok' | 'failed' | 'timed-out' | 'interrupted' | 'not-started';
  exitCode?: number | undefined;
  signal?: string | undefined;
  /** Why it could not start (an errno code such as ENOENT). */
  reason?: string | undefined;
  durationMs: number;
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
  /** The last run of ON_TOKEN_COMMAND, if one ever ran. */
  hook?: HookRun | undefined;
}

/** Changes the state it is given in place, or returns the state to write instead. */
export type StateChange = ((state: AutologinState) => void) | ((state: AutologinState) => AutologinState);

