import { z } from 'zod';
import { cronProblems } from '../schedule/cron-schedule.js';
import { isValidTimeZone } from '../schedule/zoned-time.js';
import type { RawConfig } from './read.js';
import { blankToUndefined, boundedSeconds, toProblems, type Outcome } from './schema-helpers.js';

export interface ScheduleConfig {
  /** CRON_SCHEDULE, five fields. Default `30 7 * * *`: 07:30 every day; the calendar skips closed days. */
  cron: string;
  /** SCHEDULE_TIMEZONE. Default `Asia/Kolkata`. */
  timeZone: string;
  /** SKIP_DATES: more days to skip. Default none. */
  skipDates: string[];
  /** EXTRA_TRADING_DATES: special sessions on days otherwise closed. Default none. */
  extraDates: string[];
  /** RETRY_DEADLINE, a time of day in the schedule's zone. Default 09:00 (pre-open). */
  deadline: { hour: number; minute: number };
  /** HOLIDAYS_FILE: a holiday list to use instead of the shipped one. */
  holidaysFile: string | undefined;
  /** RETRY_BACKOFF_SECONDS, 0.1 to 600: the first retry's delay; doubles each time, capped at 2 minutes. Default 10. */
  backoffBaseMs: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isRealDate = (day: string): boolean => {
  const date = new Date(`${day}T00:00:00Z`);
  return DATE.test(day) && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day);
};

const dateList = () => z.string().optional().transform((value, ctx) => {
  const days = (value ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  const bad = days.filter((d) => !isRealDate(d));
  if (bad.length > 0) {
    ctx.issues.push({ code: 'custom', input: value, message: `must be comma-separated dates like 2026-11-08; not dates: ${bad.join(', ')}` });
    return z.NEVER;
  }
  return days;
});

const schema = z.object({
  CRON_SCHEDULE: z.string().trim().default('30 7 * * *').superRefine((value, ctx) => {
    for (const problem of cronProblems(value)) ctx.addIssue({ code: 'custom', message: `is not a valid cron expression: ${problem}` });
  }),
  SCHEDULE_TIMEZONE: z.string().trim().default('Asia/Kolkata').refine(isValidTimeZone, { error: 'must be an IANA timezone such as Asia/Kolkata' }),
  SKIP_DATES: dateList(),
  EXTRA_TRADING_DATES: dateList(),
  RETRY_DEADLINE: z.string().trim().default('09:00').refine((v) => /^([01]?\d|2[0-3]):[0-5]\d$/.test(v), { error: 'must be a time of day like 09:00' }),
  HOLIDAYS_FILE: z.string().trim().min(1).optional(),
  RETRY_BACKOFF_SECONDS: boundedSeconds(0.1, 600, '10').default(10),
});

export function validateSchedule(raw: RawConfig): Outcome<ScheduleConfig> {
  const result = schema.safeParse(blankToUndefined(raw));
  if (!result.success) return { ok: false, problems: toProblems(result.error, 'schedule') };
  const v = result.data;
  const [hour, minute] = v.RETRY_DEADLINE.split(':').map(Number) as [number, number];
  return {
    ok: true,
    value: {
      cron: v.CRON_SCHEDULE, timeZone: v.SCHEDULE_TIMEZONE, skipDates: v.SKIP_DATES, extraDates: v.EXTRA_TRADING_DATES,
      deadline: { hour, minute }, holidaysFile: v.HOLIDAYS_FILE, backoffBaseMs: Math.round(v.RETRY_BACKOFF_SECONDS * 1000),
    },
  };
}
