import pg from 'pg';
import { openPostgresHome, SCHEMA } from '../../src/account/postgres/index.js';
import { ensureAccount, findAccount, type AccountId } from '../../src/account/postgres/account-rows.js';
import { appendLines, createLedger, readLines } from '../../src/account/postgres/ledger-rows.js';
import type { Sql } from '../../src/account/postgres/pg-connection.js';
import { accountPlace } from '../../src/account/postgres/postgres-record.js';
import type { Account } from '../../src/account/record.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import type { HistoryHome, HomeFactory } from './kite-model-homes.js';

/*
 * The PostgreSQL home for the attempt rules' property tests: every history runs on the
 * database at one URL (a database for the test file, or for each fuzzing worker), starting from
 * no record: the tool's tables are emptied before it (the schema stays, as on any run after
 * the first). The real home is opened on it with openPostgresHome for the history and closed
 * after it, and DATABASE_URL is in every account's configuration, so that `resume` opens the
 * same database through openHome.
 *
 * Ledger faults: the real home writes a held account's ledger on the hold's own session, which
 * nothing outside src/ can reach. The day's faults (kite-model-faults.ts) wrap instead a store
 * made here of the home's own SQL (ledger-rows.ts: the same statements, transactions and row
 * lock) on a connection of the test's own, used only by logins that still have a fault to meet
 * that day; every other write goes through the real hold. What that store does not model: the
 * hold's session breaking (a fault that ends the session makes every later write of the real
 * home a LockLostError; here the session stays), and the hold's serial queue (the model's
 * writes of one account are one at a time anyway).
 */

/** A PostgreSQL home per history, on the database at `url` (its role owns it), emptied of the tool's records first. */
export function postgresHomes(url: string): HomeFactory {
  return async (): Promise<HistoryHome> => {
    await emptyRecords(url);
    const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'kite-autologin properties (ledger faults)' });
    pool.on('error', () => undefined);
    const home = await openPostgresHome({ url }, { connectTimeoutMs: 10_000, applicationName: 'kite-autologin properties' }).catch(async (error: unknown) => {
      await pool.end();
      throw error;
    });
    return {
      home,
      env: { DATABASE_URL: url },
      ledgerStore: (account) => databaseLedgerStore(pool, account, accountPlace(home.place, account)),
      async close() {
        await home.close();
        await pool.end();
      },
    };
  };
}

/** Empties every table of the tool's schema but its version (nothing, before the first run creates it): no account, ledger, morning or token. */
async function emptyRecords(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string }>(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_version'", [SCHEMA],
    );
    if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The account's ledger rows as the home keeps them, written with the home's own statements on the pool's connections. */
function databaseLedgerStore(pool: pg.Pool, account: Account, place: string): LedgerStore {
  const withSql = async <T>(work: (sql: Sql) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      return await work({ query: async <R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []) => (await client.query<R>(text, [...values])).rows });
    } finally {
      client.release();
    }
  };
  const idOf = async (sql: Sql): Promise<AccountId> => {
    const id = await findAccount(sql, account);
    if (id === undefined) throw Object.assign(new Error('the account has no row'), { code: 'ENOENT' });
    return id;
  };
  return {
    path: place,
    read: () => withSql(async (sql) => {
      const id = await findAccount(sql, account);
      return id === undefined ? undefined : readLines(sql, id);
    }),
    create: (line) => withSql(async (sql) => createLedger(sql, await ensureAccount(sql, account), line)),
    append: (line) => withSql(async (sql) => appendLines(sql, await idOf(sql), line)),
    appendChecked: (line, check) => withSql(async (sql) => appendLines(sql, await idOf(sql), line, check)),
  };
}
