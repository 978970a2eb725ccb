/**
 * The parts commands and the daemon build from the configuration, in one place: the trading
 * calendar, the schedule, and whether the saved token is current.
 */
import type { DaemonConfig, ObserverConfig } from '../config/index.js';
import { ConfigError } from '../errors/config-error.js';
import { buildCalendar, CalendarDataError, loadCalendarData, SHIPPED_CALENDAR, type TradingCalendar } from '../schedule/calendar.js';
import { cronSchedule, type CronSchedule } from '../schedule/cron-schedule.js';
import { isTokenCurrent, TokenStore } from '../token-store.js';

/** The calendar the configuration asks for: the shipped holiday list or HOLIDAYS_FILE, plus SKIP/EXTRA dates. */
export function calendarFor(config: ObserverConfig | DaemonConfig): TradingCalendar {
  const source = config.schedule.holidaysFile ?? SHIPPED_CALENDAR;
  let data;
  try {
    data = loadCalendarData(source);
  } catch (error) {
    // Only CalendarDataError's fixed words: any other message might quote the file.
    const why = error instanceof CalendarDataError ? error.message : 'cannot be read';
    throw new ConfigError([{ variable: 'HOLIDAYS_FILE', message: `the holiday list ${String(source)} ${why}; it must be JSON like calendar/nse-holidays.json` }]);
  }
  return buildCalendar(data, { skip: config.schedule.skipDates, extra: config.schedule.extraDates });
}

export function scheduleFor(config: ObserverConfig | DaemonConfig): CronSchedule {
  return cronSchedule(config.schedule.cron, config.schedule.timeZone);
}

/** Issued after the last 06:00 IST (the file alone; no Kite call). */
export async function savedTokenValid(tokenFile: string, now: Date): Promise<boolean> {
  const read = await new TokenStore(tokenFile).read();
  return read.state === 'ok' && isTokenCurrent(read.token, now);
}
