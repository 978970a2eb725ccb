import type { DaemonConfig, ObserverConfig } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import { buildCalendar, loadCalendarData, SHIPPED_CALENDAR, type TradingCalendar } from '../schedule/calendar.js';
import { cronSchedule, type CronSchedule } from '../schedule/cron-schedule.js';
import { stateFileFor, StateStore } from '../state/state-store.js';
import { isTokenCurrent, TokenStore } from '../token-store.js';

/** The calendar the configuration asks for: the shipped holiday list or HOLIDAYS_FILE, plus SKIP/EXTRA dates. */
export function calendarFor(config: ObserverConfig | DaemonConfig): TradingCalendar {
  const source = config.schedule.holidaysFile ?? SHIPPED_CALENDAR;
  let data;
  try {
    data = loadCalendarData(source);
  } catch (error) {
    throw new ConfigError([{ variable: 'HOLIDAYS_FILE', message: `cannot read a holiday list from ${String(source)} (${error instanceof Error ? error.message : 'unreadable'}); it must be JSON like calendar/nse-holidays.json` }]);
  }
  return buildCalendar(data, { skip: config.schedule.skipDates, extra: config.schedule.extraDates });
}

export function scheduleFor(config: ObserverConfig | DaemonConfig): CronSchedule {
  return cronSchedule(config.schedule.cron, config.schedule.timeZone);
}

export function stateFor(config: { tokenFile: string }): StateStore {
  return new StateStore(stateFileFor(config.tokenFile));
}

/** Issued after the last 06:00 IST (the file alone; no Kite call). */
export async function savedTokenValid(tokenFile: string, now: Date): Promise<boolean> {
  const read = await new TokenStore(tokenFile).read();
  return read.state === 'ok' && isTokenCurrent(read.token, now);
}
