import type { Sql } from './pg-connection.js';

/**
 * Runs `work` in one transaction on `sql` (one connection: a session, or the pool's withSql).
 * COMMIT returns only once the transaction is durable: every connection sets
 * synchronous_commit on (pg-connection.ts), and the transaction says so again in case a
 * function or a later SET turned it off. Whatever `work` throws (a refusal included) rolls
 * back and is rethrown as it is.
 */
export async function inTransaction<T>(sql: Sql, work: () => Promise<T>): Promise<T> {
  await sql.query('BEGIN');
  let result: T;
  try {
    await sql.query('SET LOCAL synchronous_commit TO on');
    result = await work();
  } catch (error) {
    // A session that died has rolled back already; its failure to roll back says nothing new.
    await sql.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await sql.query('COMMIT');
  return result;
}
