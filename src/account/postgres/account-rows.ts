import type { Account } from '../record.js';
import type { Sql } from './pg-connection.js';
import { SCHEMA } from './schema.js';

/** An account's row id: the key of its ledger lines, morning, token and advisory lock. */
export type AccountId = number;

/** As the ledger's header and the accounts table keep them: Kite's user ids are case-insensitive. */
function keyOf(account: Account): [string, string] {
  return [account.apiKey, account.userId.toUpperCase()];
}

/** The account's id, or undefined when nothing was ever recorded for it (readers create nothing). */
export async function findAccount(sql: Sql, account: Account): Promise<AccountId | undefined> {
  const rows = await sql.query<{ id: number }>(`SELECT id FROM ${SCHEMA}.accounts WHERE api_key = $1 AND user_id = $2`, keyOf(account));
  return rows[0]?.id;
}

/**
 * The account's id, its row created when missing. Of two hosts creating it at once, the second
 * waits for the first's insert and then reads its row. Looked up first: an insert that finds
 * the row would still spend a value of the id's sequence, on every heartbeat.
 */
export async function ensureAccount(sql: Sql, account: Account): Promise<AccountId> {
  const found = await findAccount(sql, account);
  if (found !== undefined) return found;
  const inserted = await sql.query<{ id: number }>(
    `INSERT INTO ${SCHEMA}.accounts (api_key, user_id) VALUES ($1, $2) ON CONFLICT (api_key, user_id) DO NOTHING RETURNING id`,
    keyOf(account),
  );
  const id = inserted[0]?.id ?? await findAccount(sql, account);
  if (id === undefined) throw Object.assign(new Error('the account row vanished as it was created'), { code: 'ENOENT' });
  return id;
}

/** Locks the account's row until the transaction ends: every write of its ledger and morning goes one at a time. */
export async function lockAccountRow(sql: Sql, id: AccountId): Promise<void> {
  const rows = await sql.query(`SELECT id FROM ${SCHEMA}.accounts WHERE id = $1 FOR UPDATE`, [id]);
  if (rows.length === 0) throw Object.assign(new Error('the account row is missing'), { code: 'ENOENT' });
}
