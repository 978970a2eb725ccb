import { describe, expect, it } from 'vitest';
import { kiteLoginTime, sessionEndAfter, totpAt, totpMatches } from '@kite-autologin/simulator';
// The product's own rules, only to show the two sides agree; the expected values below are
// worked out by hand, so a bug both shared would still fail here.
import { sessionExpiry } from '../../src/time/ist.js';
import { totpCode } from '../../src/totp.js';

const at = (iso: string): number => Date.parse(iso);

describe("the simulator's own 06:00 IST rule", () => {
  // [issued at (IST, written with its offset), dies at (UTC, 06:00 IST = 00:30 UTC)]
  const cases: [string, string][] = [
    ['2026-11-23T08:05:09+05:30', '2026-11-24T00:30:00.000Z'], // a morning login lives until tomorrow's 06:00
    ['2026-11-23T05:59:59+05:30', '2026-11-23T00:30:00.000Z'], // one second before 06:00: dies in one second
    ['2026-11-23T06:00:00+05:30', '2026-11-24T00:30:00.000Z'], // at 06:00 exactly: the next day's
    ['2026-11-23T00:10:00+05:30', '2026-11-23T00:30:00.000Z'], // after IST midnight (still the 22nd in UTC)
    ['2026-11-23T23:59:59+05:30', '2026-11-24T00:30:00.000Z'],
    ['2026-12-31T23:59:00+05:30', '2027-01-01T00:30:00.000Z'], // over the year's end
    ['2024-02-28T22:00:00+05:30', '2024-02-29T00:30:00.000Z'], // a leap day
    ['2026-03-29T03:00:00+05:30', '2026-03-29T00:30:00.000Z'], // Europe's DST night: nothing moves in India
    ['1970-01-01T05:00:00+05:30', '1970-01-01T00:30:00.000Z'], // before 00:30 UTC on day 0
  ];
  it.each(cases)('a token issued at %s dies at %s', (issued, dies) => {
    expect(new Date(sessionEndAfter(at(issued))).toISOString()).toBe(dies);
  });

  it('agrees with the product at every hour of a year (the cases above say who is right)', () => {
    for (let t = at('2026-01-01T00:00:00Z'); t < at('2027-01-01T00:00:00Z'); t += 3_600_000 + 7_919) {
      expect(sessionEndAfter(t)).toBe(sessionExpiry(new Date(t)).getTime());
    }
  });

  it("writes login_time as Kite does: the Kolkata wall clock, no zone", () => {
    expect(kiteLoginTime(at('2021-01-01T10:45:14Z'))).toBe('2021-01-01 16:15:14');
    expect(kiteLoginTime(at('2026-12-31T18:30:00Z'))).toBe('2027-01-01 00:00:00');
    expect(kiteLoginTime(at('2026-11-23T00:29:59.999Z'))).toBe('2026-11-23 05:59:59');
    expect(kiteLoginTime(at('2026-06-30T18:29:59Z'))).toBe('2026-06-30 23:59:59'); // 23, never 24
  });
});

describe("the simulator's own TOTP", () => {
  // RFC 6238, appendix B: SHA-1, secret "12345678901234567890"; the last six of its eight digits.
  const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const vectors: [number, string][] = [
    [59, '287082'], [1_111_111_109, '081804'], [1_111_111_111, '050471'],
    [1_234_567_890, '005924'], [2_000_000_000, '279037'], [20_000_000_000, '353130'],
  ];
  it.each(vectors)('at %i s the code is %s', (seconds, code) => {
    expect(totpAt(RFC_SECRET, seconds * 1000)).toBe(code);
    expect(totpMatches(RFC_SECRET, code, seconds * 1000)).toBe(true);
  });

  it('takes the secret as authenticator apps show it (lower case, spaces)', () => {
    expect(totpAt('gezd gnbv gy3t qojq gezd gnbv gy3t qojq', 59_000)).toBe('287082');
  });

  it('accepts the current window only, or as many either side as allowed', () => {
    const now = 1_111_111_111_000;
    const previous = totpAt(RFC_SECRET, now - 30_000);
    const next = totpAt(RFC_SECRET, now + 30_000);
    expect(totpMatches(RFC_SECRET, previous, now)).toBe(false);
    expect(totpMatches(RFC_SECRET, next, now)).toBe(false);
    expect(totpMatches(RFC_SECRET, previous, now, 1)).toBe(true);
    expect(totpMatches(RFC_SECRET, next, now, 1)).toBe(true);
    expect(totpMatches(RFC_SECRET, totpAt(RFC_SECRET, now + 60_000), now, 1)).toBe(false);
    expect(totpMatches(RFC_SECRET, 'abcdef', now)).toBe(false);
    expect(totpMatches('not base32!', '050471', now)).toBe(false);
  });

  it('agrees with the product\'s TOTP library on secrets it generates', () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    for (let t = at('2026-11-23T00:00:00Z'); t < at('2026-11-23T01:00:00Z'); t += 30_000 + 1_013) {
      expect(totpAt(secret, t)).toBe(totpCode(secret, t));
    }
  });
});
