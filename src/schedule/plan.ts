import type { DayRun } from '../state/day-run.js';
import type { TradingCalendar } from './calendar.js';
import type { CronSchedule } from './cron-schedule.js';
import { nextDay, zonedDay, zonedInstant } from './zoned-time.js';

/** The instants on a calendar day (in the schedule's zone) at which the schedule fires. */
export function firesOnDay(schedule: CronSchedule, day: string, limit = Infinity): Date[] {
  const fires: Date[] = [];
  // Only the expression's own times of day are candidates: one match() each, not 1440.
  for (const [hour, minute] of schedule.timesOfDay) {
    const instant = zonedInstant(day, hour, minute, schedule.timeZone);
    if (zonedDay(instant, schedule.timeZone) === day && schedule.matches(instant)) fires.push(instant);
    if (fires.length >= limit) break;
  }
  return fires;
}

/** The morning's scheduled run: the first fire of the day, if the schedule fires that day. */
export function scheduledTime(schedule: CronSchedule, day: string): Date | undefined {
  return firesOnDay(schedule, day, 1)[0];
}

/** The next `count` scheduled runs strictly after `after` that fall on trading days. */
export function nextRuns(schedule: CronSchedule, calendar: TradingCalendar, after: Date, count: number): Date[] {
  const runs: Date[] = [];
  let day = zonedDay(after, schedule.timeZone);
  for (let i = 0; i < 400 && runs.length < count; i += 1, day = nextDay(day)) {
    if (!calendar.isTradingDay(day)) continue;
    const first = scheduledTime(schedule, day);
    if (first && first.getTime() > after.getTime()) runs.push(first);
  }
  return runs;
}

/** A run of a day cut short this many times is not started again automatically. */
export const MAX_INTERRUPTIONS = 2;

export type CatchUpDecision = { run: true; day: string; reason: string } | { run: false; reason: string };

/**
 * On start, and after a sleep or a clock jump: run now if today is a trading day, its
 * scheduled time has passed, no valid token exists, the account is not stopped, and today's
 * run has not already happened. A restart never runs a finished morning twice.
 */
export function decideCatchUp(input: {
  now: Date;
  schedule: CronSchedule;
  calendar: TradingCalendar;
  tokenValid: boolean;
  halted: boolean;
  today: DayRun | undefined;
  running: boolean;
}): CatchUpDecision {
  const { now, schedule, calendar } = input;
  const day = zonedDay(now, schedule.timeZone);
  if (input.running) return { run: false, reason: 'a run is in progress' };
  if (!calendar.isTradingDay(day)) return { run: false, reason: `${day} is ${calendar.closedBecause(day) ?? 'closed'}` };
  const planned = scheduledTime(schedule, day);
  if (!planned) return { run: false, reason: `the schedule does not fire on ${day}` };
  if (planned.getTime() > now.getTime()) return { run: false, reason: 'today\'s scheduled time has not come yet' };
  if (input.tokenValid) return { run: false, reason: 'today\'s token is valid' };
  if (input.halted) return { run: false, reason: 'stopped after Kite rejected the credentials' };
  if (input.today?.day === day) {
    if (input.today.finishedAt) return { run: false, reason: 'this morning\'s run already happened' };
    if (input.today.interruptions >= MAX_INTERRUPTIONS) return { run: false, reason: `this morning's run was cut short ${input.today.interruptions} times` };
  }
  return { run: true, day, reason: 'the scheduled time has passed and there is no valid token' };
}

/** `HH:MM` of RETRY_DEADLINE on `day` in the schedule's zone. */
export function deadlineOn(day: string, deadline: { hour: number; minute: number }, timeZone: string): Date {
  return zonedInstant(day, deadline.hour, deadline.minute, timeZone);
}

/**
 * The wall clock moved by a different amount than the monotonic clock between two ticks:
 * the machine slept, or someone (NTP, a person) set the clock.
 */
export function clockJump(
  previous: { wall: number; mono: number },
  current: { wall: number; mono: number },
  toleranceMs: number,
): { kind: 'forward' | 'backward'; byMs: number } | undefined {
  const drift = (current.wall - previous.wall) - (current.mono - previous.mono);
  if (Math.abs(drift) <= toleranceMs) return undefined;
  return { kind: drift > 0 ? 'forward' : 'backward', byMs: Math.abs(drift) };
}
