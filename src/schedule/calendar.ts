import { readFileSync } from 'node:fs';
import { weekdayOf } from './zoned-time.js';

/** Which days the market is open. Pure once built. */
export interface TradingCalendar {
  isTradingDay(day: string): boolean;
  /** Why a day is closed, for logs and `run --once`; undefined when open. */
  closedBecause(day: string): string | undefined;
  /** Years the holiday list covers. */
  years: readonly number[];
}

export interface CalendarData {
  holidays: Record<string, string[]>;
  specialSessions?: Record<string, string[]>;
}

/** The holiday list shipped with the tool: calendar/nse-holidays.json. */
export const SHIPPED_CALENDAR = new URL('../../calendar/nse-holidays.json', import.meta.url);

export function loadCalendarData(path: URL | string = SHIPPED_CALENDAR): CalendarData {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<CalendarData>;
  if (typeof parsed.holidays !== 'object' || parsed.holidays === null) throw new Error('no "holidays" object');
  return { holidays: parsed.holidays, specialSessions: parsed.specialSessions ?? {} };
}

/**
 * Weekends and exchange holidays are closed; `skip` closes more days; `extra` opens days
 * (special sessions such as Muhurat trading on a weekend). `extra` beats everything.
 */
export function buildCalendar(data: CalendarData, options: { skip?: readonly string[]; extra?: readonly string[] } = {}): TradingCalendar {
  const holidays = new Set(Object.values(data.holidays).flat());
  const extra = new Set([...Object.values(data.specialSessions ?? {}).flat(), ...(options.extra ?? [])]);
  const skip = new Set(options.skip ?? []);
  const closedBecause = (day: string): string | undefined => {
    if (extra.has(day)) return undefined;
    if (skip.has(day)) return 'listed in SKIP_DATES';
    if (holidays.has(day)) return 'an exchange holiday';
    const weekday = weekdayOf(day);
    if (weekday === 0 || weekday === 6) return weekday === 0 ? 'a Sunday' : 'a Saturday';
    return undefined;
  };
  return {
    isTradingDay: (day) => closedBecause(day) === undefined,
    closedBecause,
    years: Object.keys(data.holidays).map(Number).sort(),
  };
}
