import type { SavedToken, TokenRead } from '../../token-store.js';
import type { Account } from '../record.js';
import { findAccount, type AccountId } from './account-rows.js';
import { failureCode } from './database-failure.js';
import type { Sql } from './pg-connection.js';
import { SCHEMA } from './schema.js';
import { inTransaction } from './transaction.js';

/*
 * The account's token in kite_autologin.tokens. SECRET: the access token trades on the
 * account until 06:00 IST. It is read and written here only, and never put in a message.
 */

/** What a token must have to be worth anything (the token file's reader asks the same). */
const REQUIRED: readonly (keyof SavedToken)[] = ['access_token', 'api_key', 'user_id', 'login_time', 'expires_at'];

/** The token the database keeps for the account: `missing` when none, `unreadable` when it cannot be read or is damaged. */
export async function readTokenRow(sql: Sql, account: Account): Promise<TokenRead> {
  let rows: { token: unknown }[];
  try {
    const id = await findAccount(sql, account);
    rows = id === undefined ? [] : await sql.query<{ token: unknown }>(`SELECT token FROM ${SCHEMA}.tokens WHERE account_id = $1`, [id]);
  } catch (error) {
    return { state: 'unreadable', reason: `the database could not be read (${failureCode(error)})` };
  }
  const token = rows[0]?.token;
  if (token === undefined) return { state: 'missing' };
  if (typeof token !== 'object' || token === null || Array.isArray(token)) return { state: 'unreadable', reason: 'not a JSON object' };
  const missing = REQUIRED.filter((key) => typeof (token as Record<string, unknown>)[key] !== 'string');
  if (missing.length > 0) return { state: 'unreadable', reason: `missing ${missing.join(', ')}` };
  return { state: 'ok', token: token as SavedToken };
}

/** Keeps `token` as the account's, replacing the one before, committed durably before it resolves. */
export async function saveTokenRow(sql: Sql, id: AccountId, token: SavedToken): Promise<void> {
  await inTransaction(sql, async () => {
    await sql.query(
      `INSERT INTO ${SCHEMA}.tokens (account_id, token) VALUES ($1, $2::json)
       ON CONFLICT (account_id) DO UPDATE SET token = EXCLUDED.token, saved_at = now()`,
      [id, JSON.stringify(token)],
    );
  });
}
