import { SessionError } from '../errors/index.js';
import type { KiteSession } from '../kite/session.js';
import { isTokenCurrent, type SavedToken, type TokenStore } from '../token-store.js';

export type TokenVerdict =
  | { valid: true; token: SavedToken }
  | { valid: false; reason: string; token?: SavedToken };

/**
 * Is the saved token today's, for this app and user, and does Kite still accept it?
 * A token Kite rejects is simply not valid; Kite being unreachable is an error, since a
 * new login would need Kite too and must not kill a token that may still be fine.
 */
export async function verifySavedToken(
  store: TokenStore,
  expected: { apiKey: string; userId: string } | undefined,
  /** Called only when there is a current token to ask Kite about. */
  session: (apiKey: string) => KiteSession | Promise<KiteSession>,
  now: Date,
): Promise<TokenVerdict> {
  const read = await store.read();
  if (read.state === 'missing') return { valid: false, reason: 'no saved token' };
  if (read.state === 'unreadable') return { valid: false, reason: `the token file is unreadable (${read.reason})` };
  const { token } = read;
  if (expected && token.api_key !== expected.apiKey) return { valid: false, reason: 'the saved token is for another api_key', token };
  if (expected && token.user_id.toUpperCase() !== expected.userId.toUpperCase()) return { valid: false, reason: 'the saved token is for another user', token };
  if (!isTokenCurrent(token, now)) return { valid: false, reason: `the saved token expired at ${token.expires_at}`, token };
  try {
    const profile = await (await session(token.api_key)).profile(token.access_token);
    if (profile.userId.toUpperCase() !== token.user_id.toUpperCase()) return { valid: false, reason: 'Kite says the token belongs to another user', token };
  } catch (error) {
    if (error instanceof SessionError && error.code === 'TOKEN_REJECTED') return { valid: false, reason: 'Kite no longer accepts the saved token', token };
    throw error;
  }
  return { valid: true, token };
}
