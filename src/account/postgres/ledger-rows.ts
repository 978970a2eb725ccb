import type { LedgerStore } from '../../ledger/ledger-store.js';
import type { Account } from '../record.js';
import { findAccount, lockAccountRow, type AccountId } from './account-rows.js';
import type { Sql } from './pg-connection.js';
import { SCHEMA } from './schema.js';
import { inTransaction } from './transaction.js';

/*
 * An account's attempt ledger as rows of kite_autologin.ledger_lines: the JSON lines
 * AccountLedger writes, one a row, read back in the order written. AccountLedger keeps the
 * rules; this only stores. Every write locks the account's row (FOR UPDATE) for its
 * transaction, so writes to one ledger go one at a time, in order, and a check reads exactly
 * what the append lands after.
 */

/** Inserted per statement at most (PostgreSQL allows 65535 parameters; a ledger carried in whole can be long). */
const LINES_PER_INSERT = 500;

/** A failure that says what node:fs would (EEXIST, ENOENT...): AccountLedger keys on `code`. */
function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The whole ledger's text; undefined when it has no line. */
export async function readLines(sql: Sql, id: AccountId): Promise<string | undefined> {
  const rows = await sql.query<{ line: string }>(`SELECT line FROM ${SCHEMA}.ledger_lines WHERE account_id = $1 ORDER BY seq`, [id]);
  return rows.length === 0 ? undefined : rows.map((row) => `${row.line}\n`).join('');
}

/** Whole lines, each ending with a newline (AccountLedger writes nothing else); a fragment is refused, never stored. */
function linesOf(text: string): string[] {
  if (!text.endsWith('\n')) throw failure('EINVAL', 'a ledger write must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.some((line) => line === '')) throw failure('EINVAL', 'a ledger write must not hold an empty line');
  return lines;
}

async function insertLines(sql: Sql, id: AccountId, lines: readonly string[]): Promise<void> {
  for (let start = 0; start < lines.length; start += LINES_PER_INSERT) {
    const chunk = lines.slice(start, start + LINES_PER_INSERT);
    // One VALUES list, evaluated in order: the rows' seq follows the lines' order.
    const values = chunk.map((_line, index) => `($1, $${String(index + 2)})`).join(', ');
    await sql.query(`INSERT INTO ${SCHEMA}.ledger_lines (account_id, line) VALUES ${values}`, [id, ...chunk]);
  }
}

/** Creates the ledger with `text` (its header, or a whole ledger carried in), in one transaction; EEXIST when it has lines. */
export async function createLedger(sql: Sql, id: AccountId, text: string): Promise<void> {
  const lines = linesOf(text);
  await inTransaction(sql, async () => {
    await lockAccountRow(sql, id);
    const existing = await sql.query(`SELECT 1 FROM ${SCHEMA}.ledger_lines WHERE account_id = $1 LIMIT 1`, [id]);
    if (existing.length > 0) throw failure('EEXIST', 'the account already has an attempt ledger');
    await insertLines(sql, id, lines);
  });
}

/**
 * Appends `text`, after `check` (when given) passed on the ledger as it stands, in one
 * transaction that holds the account's row: of two hosts checking at once, the second reads
 * after the first's line has landed. ENOENT when there is no ledger: one never starts without its header.
 */
export async function appendLines(sql: Sql, id: AccountId, text: string, check?: (text: string) => void): Promise<void> {
  const lines = linesOf(text);
  await inTransaction(sql, async () => {
    await lockAccountRow(sql, id);
    const current = await readLines(sql, id);
    if (current === undefined) throw failure('ENOENT', 'the account has no attempt ledger yet');
    check?.(current);
    await insertLines(sql, id, lines);
  });
}

/**
 * The ledger of the account that holds the hold: every operation on the hold's own session,
 * one at a time (`serially`), each write after `guard` (which throws LockLostError once the
 * session is known gone). A session that died cannot write: its connection is never reopened.
 */
export function heldLedgerStore(session: Sql, id: AccountId, place: string, guard: () => void, serially: <T>(work: () => Promise<T>) => Promise<T>): LedgerStore {
  return {
    path: place,
    read: () => serially(() => readLines(session, id)),
    create: (line) => serially(() => {
      guard();
      return createLedger(session, id, line);
    }),
    append: (line) => serially(() => {
      guard();
      return appendLines(session, id, line);
    }),
    appendChecked: (line, check) => serially(() => {
      guard();
      return appendLines(session, id, line, check);
    }),
  };
}

/** The ledger for reading only, without the hold: nothing is created, and a write is refused (EROFS). */
export function readOnlyLedgerStore(sql: Sql, account: Account, place: string): LedgerStore {
  const refuse = (): Promise<never> => Promise.reject(failure('EROFS', 'the attempt ledger is written only while holding the account'));
  return {
    path: place,
    async read() {
      const id = await findAccount(sql, account);
      return id === undefined ? undefined : readLines(sql, id);
    },
    create: refuse,
    append: refuse,
    appendChecked: refuse,
  };
}
