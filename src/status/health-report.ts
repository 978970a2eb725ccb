import type { ScheduleConfig } from '../config/index.js';
import type { TradingCalendar } from '../schedule/calendar.js';
import { deadlineOn } from '../schedule/plan.js';
import { zonedDay } from '../schedule/zoned-time.js';
import type { AutologinState } from '../state/autologin-state.js';

export interface HealthInput {
  now: Date;
  state: AutologinState;
  /** The account's stop, as the attempt ledger records it. */
  stop: { at: string; code: string } | undefined;
  tokenValid: boolean;
  calendar: TradingCalendar;
  schedule: ScheduleConfig;
  hostname: string;
  /** Is this pid alive on this host? */
  pidAlive: (pid: number) => boolean;
  /** The daemon refreshes its heartbeat every tick (30 s); older than this is dead. Default 120 s. */
  staleAfterMs?: number;
}

export interface HealthReport { healthy: boolean; problems: string[]; facts: string[] }

/**
 * Healthy when the daemon is alive (fresh heartbeat, and its pid exists when it runs on
 * this host), no rejection has stopped it, no attempt hung since the last login, and a valid
 * token exists whenever one should: on a trading day from RETRY_DEADLINE on.
 */
export function assessHealth(input: HealthInput): HealthReport {
  const problems: string[] = [];
  const facts: string[] = [];
  const daemon = input.state.daemon;
  if (!daemon) {
    problems.push('the daemon is not running (no heartbeat in the state file)');
  } else {
    const age = input.now.getTime() - Date.parse(daemon.heartbeatAt);
    if (!(age <= (input.staleAfterMs ?? 120_000))) problems.push(`the daemon's last heartbeat is ${Math.round(age / 1000)}s old`);
    else if (daemon.hostname === input.hostname && !input.pidAlive(daemon.pid)) problems.push(`the daemon (pid ${daemon.pid}) is gone`);
    else facts.push(`daemon alive (pid ${daemon.pid}, heartbeat ${Math.round(age / 1000)}s ago)`);
  }
  if (input.stop) problems.push(`stopped since ${input.stop.at} after ${input.stop.code}; run \`kite-autologin resume\` once fixed`);
  const hung = input.state.hung;
  if (hung) problems.push(`a login attempt hung${hung.step ? ` at step ${hung.step}` : ''} at ${hung.at} and was abandoned; no login has succeeded since`);
  const day = zonedDay(input.now, input.schedule.timeZone);
  const due = input.calendar.isTradingDay(day) && input.now.getTime() >= deadlineOn(day, input.schedule.deadline, input.schedule.timeZone).getTime();
  if (input.tokenValid) facts.push('a valid token is saved');
  else if (due) problems.push(`no valid token, and ${day} is a trading day past the ${pad(input.schedule.deadline.hour)}:${pad(input.schedule.deadline.minute)} deadline`);
  else facts.push('no valid token yet, and none is due');
  return { healthy: problems.length === 0, problems, facts };
}

const pad = (n: number): string => String(n).padStart(2, '0');
