import { StateError } from '../errors/state-error.js';
import type { Logger } from '../logger.js';
import { isTokenCurrent, TokenStore, type SavedToken } from '../token-store.js';
import type { AccountRecord } from './record.js';

/**
 * Today's token for the account, as a beat sees it without asking Kite: the token file's, or
 * the record's (a database: another host's login), whichever is current and newer; a newer
 * one from the record is written into this host's token file, for the programs here. A record
 * that cannot be read throws when the file has no current token: "no answer" is never "no token".
 */
export async function todaysToken(record: AccountRecord, tokenFile: string, now: Date, logger?: Logger): Promise<SavedToken | undefined> {
  const store = new TokenStore(tokenFile);
  const own = (token: SavedToken): boolean => isTodaysTokenFor(token, record.account, now);
  const [file, kept] = await Promise.all([store.read(), record.readToken()]);
  const fromFile = file.state === 'ok' && own(file.token) ? file.token : undefined;
  const fromRecord = kept.state === 'ok' && own(kept.token) ? kept.token : undefined;
  // Not knowing is not "none": another host may have logged in, and a login here would end its session.
  if (kept.state === 'unreadable' && !fromFile) throw new StateError(record.place, `the token it keeps cannot be read (${kept.reason}); no login is started until it answers.`);
  if (fromRecord && (!fromFile || Date.parse(fromRecord.login_time) > Date.parse(fromFile.login_time))) {
    await store.write(fromRecord).catch((error: unknown) => logger?.warn({ file: tokenFile, code: (error as NodeJS.ErrnoException).code }, 'could not copy the token kept in the record into the token file'));
    return fromRecord;
  }
  return fromFile;
}

/** The account's own token (its app and user), issued after the last 06:00 IST and not expired. */
export function isTodaysTokenFor(token: SavedToken, account: AccountRecord['account'], now: Date): boolean {
  return token.api_key === account.apiKey && token.user_id.toUpperCase() === account.userId.toUpperCase() && isTokenCurrent(token, now);
}

/**
 * Read only (`health`): is a token issued after the last 06:00 IST in the token file, or the
 * account's own such token in the record (as `status` and a login would take it)?
 */
export async function tokenCurrent(record: AccountRecord | undefined, tokenFile: string, now: Date): Promise<boolean> {
  const [file, kept] = await Promise.all([new TokenStore(tokenFile).read(), record ? record.readToken() : Promise.resolve({ state: 'missing' as const })]);
  return (file.state === 'ok' && isTokenCurrent(file.token, now)) || (record !== undefined && kept.state === 'ok' && isTodaysTokenFor(kept.token, record.account, now));
}
