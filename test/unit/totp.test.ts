import { describe, expect, it } from 'vitest';
import { parseTotpSecret, totpCode, totpWaitMs, TOTP_PERIOD_MS } from '../../src/totp.js';

describe('TOTP', () => {
  it('computes RFC 6238 codes (SHA1 test vector, last 6 digits)', () => {
    const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of "12345678901234567890"
    expect(totpCode(rfcSecret, 59_000)).toBe('287082');
    expect(totpCode(rfcSecret, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(rfcSecret, 1_234_567_890_000)).toBe('005924');
  });

  it('types at once when enough of the window is left', () => {
    const windowStart = 1_700_000_010_000 - (1_700_000_010_000 % TOTP_PERIOD_MS);
    expect(totpWaitMs(windowStart)).toBe(0);
    expect(totpWaitMs(windowStart + 24_999)).toBe(0); // 5.001 s left
    expect(totpWaitMs(windowStart + 25_000)).toBe(0); // exactly 5 s left
  });

  it('waits for the next window when too little is left, never longer than the rest of this one', () => {
    const windowStart = 1_700_000_010_000 - (1_700_000_010_000 % TOTP_PERIOD_MS);
    expect(totpWaitMs(windowStart + 25_001)).toBe(4_999);
    expect(totpWaitMs(windowStart + 29_999)).toBe(1);
    expect(totpWaitMs(windowStart + 28_000, 10_000)).toBe(2_000);
    // After the wait, the code typed belongs to a fresh window with all of it left.
    const typedAt = windowStart + 29_999 + totpWaitMs(windowStart + 29_999);
    expect(typedAt % TOTP_PERIOD_MS).toBe(0);
  });

  it('normalises secrets and URIs, and explains bad ones without echoing them', () => {
    expect(parseTotpSecret('jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp')).toEqual({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    expect(parseTotpSecret('otpauth://totp/Kite:AB1234?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Kite'))
      .toEqual({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    const notBase32 = parseTotpSecret('hello-world-1890');
    expect(notBase32).toEqual({ problem: expect.stringMatching(/not base32/) });
    expect(JSON.stringify(notBase32)).not.toContain('hello');
    expect(parseTotpSecret('JBSWY3DPEHPK3PXP')).toEqual({ problem: expect.stringMatching(/too short/) });
    expect(parseTotpSecret('otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&digits=8')).toEqual({ problem: expect.stringMatching(/6 digits/) });
  });
});

describe('a TOTP secret the code library would refuse', () => {
  it.each(['JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP====', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPA'])('%s is refused at validation, without repeating it', (secret) => {
    const parsed = parseTotpSecret(secret);
    expect(parsed).toMatchObject({ problem: expect.stringMatching(/length or padding/) });
    expect(JSON.stringify(parsed)).not.toContain(secret);
  });
});
