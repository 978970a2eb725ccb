import { sessionExpiry } from '../time/ist.js';

/**
 * Every name kite-autologin uses in Redis, in one place (the README documents the same).
 * All start with `kite-autologin:`, so one ACL pattern (`~kite-autologin:*`,
 * `&kite-autologin:*`) covers them. `<user_id>` is upper case, as Kite writes it.
 *
 *   kite-autologin:token:<api_key>:<user_id>   string: the saved token, the token file's JSON;
 *                                              expires at the next 06:00 IST after login_time
 *   kite-autologin:tokens                      channel: {api_key, user_id, issued_at, expires_at}
 *                                              on each new token (never the token itself)
 *
 * Nothing else: Redis is a cache and a bus. Ledgers, locks and the morning record live in the
 * account's record (files, or PostgreSQL), which nothing in Redis can replace.
 */
export const KEY_PREFIX = 'kite-autologin:';

/** The channel on which each new token is announced. */
export const TOKEN_CHANNEL = `${KEY_PREFIX}tokens`;

export function tokenKey(apiKey: string, userId: string): string {
  return `${KEY_PREFIX}token:${accountPart(apiKey, userId)}`;
}

/**
 * When the token key expires: the first 06:00 IST (00:30 UTC; India has no daylight
 * saving) after the session was issued, when Kite ends it.
 */
export function tokenKeyExpiry(issuedAt: Date): Date {
  return sessionExpiry(issuedAt);
}

/** The message published on TOKEN_CHANNEL. Times are ISO 8601 in IST, as in the token file. */
export interface TokenMessage {
  api_key: string;
  user_id: string;
  /** The session's login_time. */
  issued_at: string;
  /** When the key (and Kite's session) expires. */
  expires_at: string;
}

/** A part that could make two accounts' names collide (a `:`, a space) is a bug upstream. */
function accountPart(apiKey: string, userId: string): string {
  for (const part of [apiKey, userId]) {
    if (!/^[A-Za-z0-9_.-]+$/.test(part)) throw new RangeError('an api_key or user id for a Redis key must be letters, digits, _, . or -');
  }
  return `${apiKey}:${userId.toUpperCase()}`;
}
