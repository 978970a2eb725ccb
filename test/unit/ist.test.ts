import { afterEach, describe, expect, it } from 'vitest';
import { formatIst, fromSdkLocalDate, lastSessionBoundary, sessionExpiry } from '../../src/time/ist.js';

const ist = (text: string): Date => new Date(text.replace(' ', 'T') + '+05:30');

describe('IST and the 06:00 expiry', () => {
  const originalTz = process.env['TZ'];
  afterEach(() => { process.env['TZ'] = originalTz; });

  it('runs on a UTC host (the test environment sets TZ=UTC)', () => {
    expect(new Date(0).getTimezoneOffset()).toBe(0);
  });

  it('a token issued before 06:00 IST dies at 06:00 the same day; after, at 06:00 the next day', () => {
    expect(formatIst(sessionExpiry(ist('2026-11-23 05:59:59')))).toBe('2026-11-23T06:00:00+05:30');
    expect(formatIst(sessionExpiry(ist('2026-11-23 06:00:00')))).toBe('2026-11-24T06:00:00+05:30');
    expect(formatIst(sessionExpiry(ist('2026-11-23 08:05:09')))).toBe('2026-11-24T06:00:00+05:30');
    expect(formatIst(sessionExpiry(ist('2026-12-31 23:59:00')))).toBe('2027-01-01T06:00:00+05:30');
  });

  it('the last boundary is today\'s 06:00 IST after it, yesterday\'s before it', () => {
    expect(formatIst(lastSessionBoundary(ist('2026-11-23 06:00:00')))).toBe('2026-11-23T06:00:00+05:30');
    expect(formatIst(lastSessionBoundary(ist('2026-11-23 05:59:59')))).toBe('2026-11-22T06:00:00+05:30');
    // 00:29 UTC is 05:59 IST: a UTC calendar would get this wrong.
    expect(formatIst(lastSessionBoundary(new Date('2026-11-23T00:29:00Z')))).toBe('2026-11-22T06:00:00+05:30');
    expect(formatIst(lastSessionBoundary(new Date('2026-11-23T00:30:00Z')))).toBe('2026-11-23T06:00:00+05:30');
  });

  it('formats with the +05:30 offset', () => {
    expect(formatIst(new Date('2026-11-22T18:30:00Z'))).toBe('2026-11-23T00:00:00+05:30');
  });

  it('undoes the SDK\'s local-time parse of login_time on any host timezone', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
      process.env['TZ'] = tz;
      const sdkParsed = new Date('2021-01-01 16:15:14'); // what kiteconnect does
      expect(fromSdkLocalDate(sdkParsed).toISOString(), tz).toBe('2021-01-01T10:45:14.000Z');
    }
  });
});
