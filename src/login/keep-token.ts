import { describeUnexpected, isAutologinError, SaveError } from '../errors/index.js';
import type { SavedToken, TokenStore } from '../token-store.js';

/**
 * The token of a session Kite just created, kept in both places whatever befalls the other:
 * the account's record first (a database: every host reads it there), then the token file
 * (the programs on this host). A token Kite issued that is kept nowhere costs another session,
 * so a record that fails does not keep the file from being written; its failure is thrown after.
 */
export async function keepNewToken(token: SavedToken, store: TokenStore, tokenFile: string, record: ((token: SavedToken) => Promise<void>) | undefined): Promise<void> {
  const notKept = await keepInRecord(record, token, tokenFile);
  await saveToken(store, token, tokenFile);
  if (notKept) throw notKept;
}

/**
 * The record first (a database: every host reads it there); the token file is written after
 * it either way. Returns the error to report once the file is written, if the record failed.
 */
async function keepInRecord(record: ((token: SavedToken) => Promise<void>) | undefined, token: SavedToken, tokenFile: string): Promise<SaveError | undefined> {
  if (!record) return undefined;
  try {
    await record(token);
    return undefined;
  } catch (error) {
    return new SaveError(`Kite created a session for ${token.user_id}, but its token could not be kept in the account's record (${isAutologinError(error) ? error.code : describeUnexpected(error)}). It is in TOKEN_FILE ${tokenFile} for the programs on this host; other hosts sharing the account do not see it, and a login there would end this session. Not retried. Fix the record's home (DATABASE_URL), then run \`kite-autologin login\` on this host (it keeps the valid token and records it).`, { step: 'save' });
  }
}

export async function saveToken(store: TokenStore, token: SavedToken, tokenFile: string): Promise<void> {
  try {
    await store.write(token);
  } catch (error) {
    throw new SaveError(`Kite created a session for ${token.user_id}, but its token could not be saved to TOKEN_FILE ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? describeUnexpected(error)}). Not retried: another login would end this session. Fix the file or folder, then run \`kite-autologin login\`.`, { step: 'save' });
  }
}
