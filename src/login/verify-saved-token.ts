import { SessionError } from '../errors/index.js';
import type { KiteSession } from '../kite/session.js';
import { isTokenCurrent, type SavedToken, type TokenStore } from '../token-store.js';

export type TokenVerdict =
  | { valid: true; token: SavedToken; from: 'file' | 'record' }
  | { valid: false; reason: string; token?: SavedToken };

/**
 * Is the saved token today's, for this app and user, and does Kite still accept it?
 * A token Kite rejects is simply not valid; Kite being unreachable is an error, since a
 * new login would need Kite too and must not kill a token that may still be fine.
 *
 * With `shared` (the account's record in a database), the token there counts too: another
 * host may have logged in this morning, and its token is not in this host's file. The newer
 * of the two is asked about first (a new session ends the earlier one). A record that cannot
 * be read throws (`shared` throws), unless the file's token is valid: "no answer" is never
 * "no token", or two hosts would both log in.
 */
export async function verifySavedToken(
  store: TokenStore,
  expected: { apiKey: string; userId: string } | undefined,
  /** Called only when there is a current token to ask Kite about. */
  session: (apiKey: string) => KiteSession | Promise<KiteSession>,
  now: Date,
  shared?: () => Promise<SavedToken | undefined>,
): Promise<TokenVerdict> {
  const fromFile = await fileVerdict(store, expected, now);
  if (shared === undefined) return fromFile.current ? ask(fromFile.current, 'file', session) : fromFile.verdict;
  // The record's answer waits until the file's token was asked about: one Kite accepts is the answer either way.
  let inRecord: SavedToken | undefined;
  let unread: { error: unknown } | undefined;
  try {
    inRecord = await shared();
  } catch (error) {
    if (error !== undefined) unread = { error };
  }
  const candidates = [
    ...(fromFile.current ? [{ token: fromFile.current, from: 'file' as const }] : []),
    ...(inRecord && inRecord.access_token !== fromFile.current?.access_token && isCurrentFor(inRecord, expected, now) ? [{ token: inRecord, from: 'record' as const }] : []),
  ].sort((a, b) => Date.parse(b.token.login_time) - Date.parse(a.token.login_time));
  let verdict: TokenVerdict = fromFile.verdict;
  for (const candidate of candidates) {
    verdict = await ask(candidate.token, candidate.from, session);
    if (verdict.valid) return verdict;
  }
  if (unread !== undefined) throw unread.error;
  return candidates.length === 0 && !fromFile.verdict.valid ? { ...fromFile.verdict, reason: `${fromFile.verdict.reason}, none in the account's record` } : verdict;
}

/** A token of the record is worth asking Kite about only when it is today's and this account's. */
function isCurrentFor(token: SavedToken, expected: { apiKey: string; userId: string } | undefined, now: Date): boolean {
  return (!expected || (token.api_key === expected.apiKey && token.user_id.toUpperCase() === expected.userId.toUpperCase())) && isTokenCurrent(token, now);
}

async function fileVerdict(store: TokenStore, expected: { apiKey: string; userId: string } | undefined, now: Date): Promise<{ current?: SavedToken; verdict: TokenVerdict }> {
  const read = await store.read();
  if (read.state === 'missing') return { verdict: { valid: false, reason: 'no saved token' } };
  if (read.state === 'unreadable') return { verdict: { valid: false, reason: `the token file is unreadable (${read.reason})` } };
  const { token } = read;
  if (expected && token.api_key !== expected.apiKey) return { verdict: { valid: false, reason: 'the saved token is for another api_key', token } };
  if (expected && token.user_id.toUpperCase() !== expected.userId.toUpperCase()) return { verdict: { valid: false, reason: 'the saved token is for another user', token } };
  if (!isTokenCurrent(token, now)) return { verdict: { valid: false, reason: `the saved token expired at ${token.expires_at}`, token } };
  return { current: token, verdict: { valid: true, token, from: 'file' } };
}

async function ask(token: SavedToken, from: 'file' | 'record', session: (apiKey: string) => KiteSession | Promise<KiteSession>): Promise<TokenVerdict> {
  const where = from === 'file' ? 'saved token' : 'token in the account\'s record';
  try {
    const profile = await (await session(token.api_key)).profile(token.access_token);
    if (profile.userId.toUpperCase() !== token.user_id.toUpperCase()) return { valid: false, reason: `Kite says the ${where} belongs to another user`, token };
  } catch (error) {
    if (error instanceof SessionError && error.code === 'TOKEN_REJECTED') return { valid: false, reason: `Kite no longer accepts the ${where}`, token };
    throw error;
  }
  return { valid: true, token, from };
}
