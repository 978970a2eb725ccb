import { cronProblems } from '../schedule/cron-schedule.js';
import { isValidTimeZone } from '../schedule/zoned-time.js';
import type { RawConfig } from './read.js';
import { Variables, type Outcome } from './variables.js';

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

/** Comma-separated dates; a problem naming the ones that are not dates. */
function dateList(vars: Variables, name: string): string[] {
  const days = (vars.given(name) ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  const bad = days.filter((d) => !isRealDate(d));
  if (bad.length === 0) return days;
  vars.problem(name, `must be comma-separated dates like 2026-11-08; not dates: ${bad.join(', ')}`);
  return [];
}

const isTimeOfDay = (value: string): boolean => /^([01]?\d|2[0-3]):[0-5]\d$/.test(value);

export function validateSchedule(raw: RawConfig): Outcome<ScheduleConfig> {
  const vars = new Variables(raw);
  const cron = vars.text('CRON_SCHEDULE') ?? '30 7 * * *';
  for (const problem of cronProblems(cron)) vars.problem('CRON_SCHEDULE', `is not a valid cron expression: ${problem}`);
  const timeZone = vars.checked('SCHEDULE_TIMEZONE', 'Asia/Kolkata', isValidTimeZone, 'must be an IANA timezone such as Asia/Kolkata');
  const skipDates = dateList(vars, 'SKIP_DATES');
  const extraDates = dateList(vars, 'EXTRA_TRADING_DATES');
  const [hour, minute] = vars.checked('RETRY_DEADLINE', '09:00', isTimeOfDay, 'must be a time of day like 09:00').split(':').map(Number) as [number, number];
  const holidaysFile = vars.text('HOLIDAYS_FILE');
  const backoff = vars.seconds('RETRY_BACKOFF_SECONDS', { min: 0.1, max: 600, example: '10' }, 10);
  return vars.outcome({ cron, timeZone, skipDates, extraDates, deadline: { hour, minute }, holidaysFile, backoffBaseMs: Math.round(backoff * 1000) });
}
