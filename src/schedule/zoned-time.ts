/** Wall-clock reading of an instant in an IANA timezone, with Intl (no timezone library). */
export interface ZonedParts { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * Zones whose offset has not changed since 1946, read with arithmetic instead of Intl: the
 * first Intl.DateTimeFormat loads ICU's data, which costs `status` and `health` (the
 * HEALTHCHECK) more than all the rest of their work. India, the default and NSE's zone, has
 * been UTC+05:30 since October 1945 (see time/ist.ts). Any other zone, or an earlier instant,
 * is read with Intl.
 */
const FIXED_OFFSET_MINUTES = new Map<string, number>([['Asia/Kolkata', 330], ['Asia/Calcutta', 330], ['UTC', 0], ['Etc/UTC', 0]]);
const FIXED_SINCE = Date.UTC(1946, 0, 1);

function fixedParts(instant: Date, timeZone: string): ZonedParts | undefined {
  const offset = FIXED_OFFSET_MINUTES.get(timeZone);
  const time = instant.getTime();
  if (offset === undefined || !(time >= FIXED_SINCE)) return undefined;
  const shifted = new Date(time + offset * 60_000);
  return {
    year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(), minute: shifted.getUTCMinutes(), second: shifted.getUTCSeconds(), weekday: shifted.getUTCDay(),
  };
}

export function isValidTimeZone(timeZone: string): boolean {
  if (FIXED_OFFSET_MINUTES.has(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const fixed = fixedParts(instant, timeZone);
  if (fixed) return fixed;
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return {
    year: Number(parts['year']), month: Number(parts['month']), day: Number(parts['day']),
    hour: Number(parts['hour']), minute: Number(parts['minute']), second: Number(parts['second']), weekday: WEEKDAYS.indexOf(parts['weekday'] ?? ''),
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of the day containing `instant` in `timeZone`. */
export function zonedDay(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** Day of week (0 = Sunday) of a `YYYY-MM-DD` calendar day. */
export function weekdayOf(day: string): number {
  return new Date(`${day}T12:00:00Z`).getUTCDay();
}

/**
 * The instant a clock in `timeZone` shows `day` at `hour:minute` (for a wall time skipped by
 * a DST change, the instant just after it). Found by correcting a UTC guess with the zone's
 * offset at that guess, twice (enough for any real zone).
 */
export function zonedInstant(day: string, hour: number, minute: number, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const target = Date.UTC(y, m - 1, d, hour, minute);
  let guess = target;
  for (let i = 0; i < 2; i += 1) {
    const p = zonedParts(new Date(guess), timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    guess += target - shown;
  }
  return new Date(guess);
}

/** The calendar day after `day`. */
export function nextDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}
