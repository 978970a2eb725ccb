/**
 * Kite's clock rules, written here on purpose rather than shared with the product: the
 * simulator is the other side of the conversation, and a rule both sides imported would hide
 * its own bugs. Kite runs on India Standard Time (Asia/Kolkata, UTC+05:30, no daylight saving).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** 06:00 in Kolkata is 00:30 UTC, every day of the year. */
const SESSION_END_UTC_MS = 30 * MINUTE_MS;

/**
 * When an access token issued at `issuedAtMs` dies: the first 06:00 IST strictly after it
 * (a token issued at 06:00:00.000 exactly lives until the next day's 06:00).
 */
export function sessionEndAfter(issuedAtMs: number): number {
  // Count days from 00:30 UTC instead of midnight: each day's session end is then a whole day.
  const daysSinceEpochEnd = Math.floor((issuedAtMs - SESSION_END_UTC_MS) / DAY_MS);
  return (daysSinceEpochEnd + 1) * DAY_MS + SESSION_END_UTC_MS;
}

// The zone database's reading of Asia/Kolkata (not a fixed offset), so this also disagrees
// with a product that got the offset wrong.
const KOLKATA = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Kolkata',
  year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
  hourCycle: 'h23',
});

/** Kite's `login_time`: the Kolkata wall clock with no zone, e.g. `2021-01-01 16:15:14`. */
export function kiteLoginTime(epochMs: number): string {
  const field: Record<string, string> = {};
  for (const part of KOLKATA.formatToParts(new Date(epochMs))) field[part.type] = part.value;
  return `${field['year']}-${field['month']}-${field['day']} ${field['hour']}:${field['minute']}:${field['second']}`;
}
