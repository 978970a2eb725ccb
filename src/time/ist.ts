/**
 * India Standard Time is UTC+05:30 all year (no daylight saving), so IST arithmetic is a
 * fixed offset: no timezone database, and correct whatever the host's TZ is.
 */
const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** Kite sessions end at 06:00 IST (regulatory). */
const EXPIRY_HOUR_IST = 6;

/** The wall-clock fields of `instant` as read on a clock in India. */
export function istParts(instant: Date): {
  year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number;
} {
  const shifted = new Date(instant.getTime() + IST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    weekday: shifted.getUTCDay(),
  };
}

/** The instant at which an IST wall clock shows the given fields. */
export function fromIstParts(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - IST_OFFSET_MS);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** ISO 8601 with the +05:30 offset, e.g. `2026-11-23T08:05:09+05:30`. */
export function formatIst(instant: Date): string {
  const p = istParts(instant);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}+05:30`;
}

/** `YYYY-MM-DD` of the IST calendar day containing `instant`. */
export function istDate(instant: Date): string {
  const p = istParts(instant);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The last 06:00 IST at or before `now`: tokens issued before it are dead. */
export function lastSessionBoundary(now: Date): Date {
  const p = istParts(now);
  const todays = fromIstParts(p.year, p.month, p.day, EXPIRY_HOUR_IST);
  return todays.getTime() <= now.getTime() ? todays : new Date(todays.getTime() - DAY_MS);
}

/** When a token issued at `loginTime` dies: the first 06:00 IST after it. */
export function sessionExpiry(loginTime: Date): Date {
  return new Date(lastSessionBoundary(loginTime).getTime() + DAY_MS);
}

/**
 * Kite's `login_time` ("2021-01-01 16:15:14") carries no zone; it is IST. The kiteconnect
 * SDK turns it into a Date by parsing that text in the process's own timezone (5:30 off on a
 * UTC host). Its local fields still hold the text Kite sent, so read them back in IST.
 */
export function fromSdkLocalDate(parsed: Date): Date {
  return fromIstParts(
    parsed.getFullYear(), parsed.getMonth() + 1, parsed.getDate(),
    parsed.getHours(), parsed.getMinutes(), parsed.getSeconds(),
  );
}
