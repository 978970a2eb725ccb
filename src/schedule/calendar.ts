import { fileURLToPath } from 'node:url';
import { readTextSync } from '../disk/read.js';
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

/**
 * A holiday list that cannot be used. The message says why in fixed words only: never the
 * file's content (JSON.parse quotes a snippet of it) and never the path (the caller names it).
 */
export class CalendarDataError extends Error {
  override readonly name = 'CalendarDataError';
}

export function loadCalendarData(path: URL | string = SHIPPED_CALENDAR): CalendarData {
  let text: string;
  try {
    text = readTextSync(typeof path === 'string' ? path : fileURLToPath(path));
  } catch (error) {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    throw new CalendarDataError(`cannot be read (${typeof code === 'string' ? code : 'unreadable'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CalendarDataError('is not valid JSON');
  }
  // Any key of the JSON may hold null.
  const data = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { [K in keyof CalendarData]?: CalendarData[K] | null };
  if (typeof data.holidays !== 'object' || data.holidays === null) throw new CalendarDataError('has no "holidays" object');
  return { holidays: data.holidays, specialSessions: data.specialSessions ?? {} };
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
