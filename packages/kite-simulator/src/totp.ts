import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * RFC 6238 TOTP as Kite checks it (SHA-1, 6 digits, 30 s steps), written here rather than
 * taken from the library the product uses: a bug shared by both sides would never show.
 */

const STEP_SECONDS = 30;
const DIGITS = 6;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >>> bits) & 31);
    }
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/** Decodes base32 as authenticator apps accept it: case, spaces and padding ignored. Undefined if not base32. */
export function base32Decode(text: string): Buffer | undefined {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  if (clean.length === 0) return undefined;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** A fresh random secret of 160 bits (RFC 4226's recommended length), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The code for the 30 s step `counter` (RFC 4226 HOTP with dynamic truncation). */
function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

/** The code an authenticator shows at `epochMs` for a base32 secret. */
export function totpAt(secret: string, epochMs: number): string {
  const key = base32Decode(secret);
  if (!key) throw new TypeError('the TOTP secret is not base32');
  return hotp(key, Math.floor(epochMs / 1000 / STEP_SECONDS));
}

/** Whether `code` is the code of the window at `epochMs`, or of up to `skewWindows` windows either side. */
export function totpMatches(secret: string, code: string, epochMs: number, skewWindows = 0): boolean {
  const key = base32Decode(secret);
  if (!key || !/^\d{6}$/.test(code)) return false;
  const step = Math.floor(epochMs / 1000 / STEP_SECONDS);
  let matched = false;
  // Every window is checked (no early exit), so the answer's timing says nothing about which matched.
  for (let shift = -skewWindows; shift <= skewWindows; shift += 1) {
    if (step + shift < 0) continue;
    matched = timingSafeEqual(Buffer.from(hotp(key, step + shift)), Buffer.from(code)) || matched;
  }
  return matched;
}
