import { StateError } from '../../errors/state-error.js';
import { AccountLedger } from '../../ledger/account-ledger.js';
import { memoryLedgerStore } from '../../ledger/ledger-store.js';
import type { Account } from '../record.js';
import { ensureAccount } from './account-rows.js';
import { failureCode } from './database-failure.js';
import { createLedger } from './ledger-rows.js';
import type { Pooled } from './pg-connection.js';
import { accountPlace } from './postgres-record.js';

/** What an import did: carried the ledger in, or found one there already and wrote nothing. */
export type ImportOutcome = { imported: true; lines: number; place: string } | { imported: false; reason: 'exists'; place: string };

/**
 * Carries a file ledger's whole text in (its salt, submissions, answers and stops, as they
 * are), in one transaction, unless the account already has a ledger in the database: two
 * ledgers for one account are not merged here, and one that exists is never replaced. The
 * text is read by AccountLedger first, as a login would read it: a damaged ledger, or another
 * account's, is a StateError and nothing is written.
 */
export async function importLedger(pool: Pooled, homePlace: string, account: Account, text: string, now: Date = new Date()): Promise<ImportOutcome> {
  const place = accountPlace(homePlace, account);
  const probe = memoryLedgerStore(`${place} (import)`);
  probe.text = text;
  if (await AccountLedger.open(probe, account, now, { create: false }) === undefined) {
    throw new StateError(place, 'there is no ledger text to import.');
  }
  try {
    await pool.withSql(async (sql) => createLedger(sql, await ensureAccount(sql, account), text));
  } catch (error) {
    if (failureCode(error) === 'EEXIST') return { imported: false, reason: 'exists', place };
    throw new StateError(place, `the attempt ledger could not be imported (${failureCode(error)}); nothing was written.`);
  }
  return { imported: true, lines: text.split('\n').length - 1, place };
}
