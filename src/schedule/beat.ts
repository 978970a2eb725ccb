import type { TradingCalendar } from './calendar.js';
import type { CronSchedule } from './cron-schedule.js';
import type { DayRun } from '../state/day-run.js';
import { clockJump, decideCatchUp, firesOnDay, MAX_INTERRUPTIONS } from './plan.js';
import { nextDay, zonedDay } from './zoned-time.js';

/** Where the previous beat left the clocks: the wall clock (epoch ms) and the monotonic one. */
export interface BeatMark { wall: number; mono: number }

/** Why a morning runs (or was considered): the daemon's start, a slot on time, a slot seen late, a clock jump. */
export type Trigger = 'start' | 'scheduled' | 'missed' | 'clock-jump';

/** Everything one beat knows: the clocks, the schedule, and the facts read for it. */
export interface BeatInput {
  /** Wall clock, epoch ms. */
  now: number;
  /** Monotonic ms: does not move while the machine sleeps or when the clock is set. */
  monotonic: number;
  /** The previous beat's mark; undefined on the daemon's first beat. */
  previous: BeatMark | undefined;
  schedule: CronSchedule;
  calendar: TradingCalendar;
  /** The state file's record of today's (or the last) run. */
  today: DayRun | undefined;
  /** A token issued after the last 06:00 IST is saved. */
  tokenValid: boolean;
  /** The attempt ledger stops the account. */
  stopped: boolean;
  /** A morning is running now. */
  running: boolean;
  /** The longest wait between two beats (the heartbeat interval). */
  tickMs: number;
  /** How far the two clocks may drift apart between beats, and how late a slot may be seen and still be on time. */
  toleranceMs: number;
}

export interface BeatPlan {
  /** Hand this to the next beat as `previous`. */
  mark: BeatMark;
  /** The wall clock moved by a different amount than the monotonic one since the last beat. */
  jump?: { kind: 'forward' | 'backward'; byMs: number } | undefined;
  /** Trading days' slots that passed since the last beat more than `toleranceMs` before this one saw them. */
  missed: Date[];
  /** Start a morning now. */
  run?: { trigger: Trigger; day: string; reason: string } | undefined;
  /** A trigger that came and did not run, and why (logged). Quiet beats have neither run nor skip. */
  skip?: { trigger: Trigger; reason: string } | undefined;
  /** When to beat next: at the next slot, or after `tickMs`, whichever is sooner. */
  wakeInMs: number;
}

/** Days of slots looked at when the machine slept for long; a run needs only today's. */
const MAX_DAYS_SCANNED = 8;

/**
 * The daemon's one decision, a pure function of one beat's inputs (node-cron's plan-beat is
 * the model): what the clocks did since the last beat, which slots came (on time or missed),
 * whether a morning runs now and why, and when to beat next. The start, a slot, a missed slot
 * and a clock jump all go through it; the timer, heartbeat and shutdown around it stay thin.
 */
export function planBeat(input: BeatInput): BeatPlan {
  const { now, schedule, calendar, previous } = input;
  const mark = { wall: now, mono: input.monotonic };
  const jump = previous ? clockJump(previous, mark, input.toleranceMs) : undefined;
  // Slots strictly after the last beat, up to now. A clock set back has none: the mark moves
  // back with it, so a slot may come round again; the day's record keeps it to one run.
  const passed = previous && previous.wall < now ? slotsBetween(schedule, previous.wall, now) : [];
  const onTime = passed.filter((slot) => now - slot.getTime() <= input.toleranceMs);
  // A slot of a closed day passing unseen costs nothing: only trading days' slots are missed.
  const missed = passed.filter((slot) => now - slot.getTime() > input.toleranceMs && calendar.isTradingDay(zonedDay(slot, schedule.timeZone)));
  const wakeInMs = Math.max(1, Math.min(input.tickMs, nextSlotAfter(schedule, now) - now));
  const plan = { mark, jump, missed, wakeInMs };

  const trigger: Trigger | undefined = !previous ? 'start'
    : onTime.length > 0 ? 'scheduled'
      : jump ? 'clock-jump'
        : missed.length > 0 ? 'missed' : undefined;
  if (!trigger) return plan;

  const day = zonedDay(new Date(now), schedule.timeZone);
  if (trigger === 'scheduled') {
    // A slot on time runs the morning even with a token saved (the morning asks Kite whether it
    // still holds) or with the account stopped (the morning says so in an alert): only a closed
    // day, a run in progress or a morning already done keep it from running.
    const reason = input.running ? 'a run is in progress'
      : !calendar.isTradingDay(day) ? `${day} is ${calendar.closedBecause(day) ?? 'closed'}`
        : input.today?.day === day && input.today.finishedAt ? 'this morning\'s run already happened'
          : input.today?.day === day && input.today.interruptions >= MAX_INTERRUPTIONS
            ? `this morning's run was cut short ${input.today.interruptions} times` : undefined;
    return reason ? { ...plan, skip: { trigger, reason } } : { ...plan, run: { trigger, day, reason: 'the scheduled time has come' } };
  }
  // The start, a missed slot, a clock jump: catch up only when the morning is due and undone.
  const decision = decideCatchUp({
    now: new Date(now), schedule, calendar, tokenValid: input.tokenValid,
    halted: input.stopped, today: input.today, running: input.running,
  });
  return decision.run
    ? { ...plan, run: { trigger, day: decision.day, reason: decision.reason } }
    : { ...plan, skip: { trigger, reason: decision.reason } };
}

/** The schedule's slots in (after, until], oldest first; at most the last MAX_DAYS_SCANNED days. */
function slotsBetween(schedule: CronSchedule, after: number, until: number): Date[] {
  const last = zonedDay(new Date(until), schedule.timeZone);
  const firstAllowed = until - MAX_DAYS_SCANNED * 86_400_000;
  let day = zonedDay(new Date(Math.max(after, firstAllowed)), schedule.timeZone);
  const slots: Date[] = [];
  for (let i = 0; i <= MAX_DAYS_SCANNED + 1; i += 1, day = nextDay(day)) {
    for (const slot of firesOnDay(schedule, day)) {
      if (slot.getTime() > after && slot.getTime() <= until) slots.push(slot);
    }
    if (day === last) break;
  }
  return slots;
}

/** The first slot strictly after `after` (any day, open or not); Infinity when none comes within a year. */
function nextSlotAfter(schedule: CronSchedule, after: number): number {
  let day = zonedDay(new Date(after), schedule.timeZone);
  for (let i = 0; i < 400; i += 1, day = nextDay(day)) {
    const slot = firesOnDay(schedule, day).find((s) => s.getTime() > after);
    if (slot) return slot.getTime();
  }
  return Infinity;
}
