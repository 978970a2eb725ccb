import { generateSync } from 'otplib';

/** Kite's TOTP: RFC 6238 defaults, 6 digits every 30 s. */
export const TOTP_PERIOD_MS = 30_000;
/**
 * How much of the current 30 s window must be left when the code is typed. Typing, the
 * page's POST and Kite's check take well under this; a code typed later could reach Kite
 * in the next window, where a server that checks only the current window rejects it.
 */
export const DEFAULT_MIN_WINDOW_LEFT_MS = 5_000;

const BASE32 = /^[A-Z2-7]+=*$/;
/** otplib (and RFC 4226) want at least 128 bits of secret. */
const MIN_SECRET_BYTES = 16;

/**
 * Accepts a base32 secret (spaces and lower case tolerated, as authenticator apps show it)
 * or a whole `otpauth://totp/...?secret=...` URI. Returns the normalised base32 secret, or
 * a description of what is wrong that does not repeat the value.
 */
export function parseTotpSecret(raw: string): { secret: string } | { problem: string } {
  let candidate = raw.trim();
  if (/^otpauth:/i.test(candidate)) {
    let uri: URL;
    try {
      uri = new URL(candidate);
    } catch {
      return { problem: 'looks like an otpauth:// URI but cannot be parsed' };
    }
    if (uri.host.toLowerCase() !== 'totp') return { problem: 'is an otpauth URI, but not for TOTP (otpauth://totp/...)' };
    const fromUri = uri.searchParams.get('secret');
    if (!fromUri) return { problem: 'is an otpauth URI without a secret= parameter' };
    const digits = uri.searchParams.get('digits');
    const period = uri.searchParams.get('period');
    const algorithm = uri.searchParams.get('algorithm');
    if ((digits && digits !== '6') || (period && period !== '30') || (algorithm && algorithm.toUpperCase() !== 'SHA1')) {
      return { problem: 'is an otpauth URI with non-default digits/period/algorithm; Kite uses 6 digits, 30 s, SHA1' };
    }
    candidate = fromUri;
  }
  const secret = candidate.replace(/[\s-]/g, '').toUpperCase();
  if (secret.length === 0) return { problem: 'is empty' };
  if (!BASE32.test(secret)) {
    return { problem: 'is not base32 (letters A-Z and digits 2-7, like the 32-character key Kite shows under "Can\'t scan? Copy the key")' };
  }
  const bytes = Math.floor((secret.replace(/=+$/, '').length * 5) / 8);
  if (bytes < MIN_SECRET_BYTES) {
    return { problem: `is too short (${bytes} bytes; a TOTP secret has at least ${MIN_SECRET_BYTES}, Kite's has 20 = 32 base32 characters)` };
  }
  // Some keys pass the checks above yet are refused by the library that makes the codes
  // (an odd length whose last bits are not zero, extra padding): find out now, not after
  // the password was typed.
  try {
    if (!/^\d{6}$/.test(totpCode(secret, 0))) return { problem: 'does not yield a 6-digit code' };
  } catch {
    return { problem: 'is not a whole base32 key (its length or padding is wrong: copy the key again, all of it, without "=" padding)' };
  }
  return { secret };
}

/** The 6-digit code for the window containing `nowMs`. */
export function totpCode(secret: string, nowMs: number): string {
  return generateSync({ secret, epoch: Math.floor(nowMs / 1000) });
}

/**
 * How long to wait before typing a code so that it is typed with at least `minLeftMs` of
 * its window left: 0 when there is time enough, else the time until the next window opens.
 */
export function totpWaitMs(nowMs: number, minLeftMs = DEFAULT_MIN_WINDOW_LEFT_MS): number {
  const left = TOTP_PERIOD_MS - (nowMs % TOTP_PERIOD_MS);
  return left >= minLeftMs ? 0 : left;
}
