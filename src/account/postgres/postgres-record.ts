import { StateError } from '../../errors/state-error.js';
import { AccountLedger } from '../../ledger/account-ledger.js';
import type { Account, AccountRecord } from '../record.js';
import { holdAccount, type HoldContext } from './account-hold.js';
import { findAccount } from './account-rows.js';
import { advisoryLockHeld } from './advisory-lock.js';
import { failureCode } from './database-failure.js';
import { readOnlyLedgerStore } from './ledger-rows.js';
import { morningRow } from './morning-row.js';
import { readTokenRow } from './token-row.js';

/** Where an account's record lives, for messages: the database (never its password), the schema, the account. */
export function accountPlace(homePlace: string, account: Account): string {
  return `${homePlace} account ${account.userId.toUpperCase()} (api_key ${account.apiKey})`;
}

/**
 * One account's record in the database. Reads go through the pool and create nothing; every
 * write of the ledger and the token goes through `hold`, on the hold's own session. A new
 * ledger carries over a stop that an earlier version left in `legacyState` about these same
 * credentials, as a new file ledger does.
 */
export function postgresRecord(context: HoldContext, account: Account, homePlace: string, legacyState?: string): AccountRecord {
  const place = accountPlace(homePlace, account);
  const { pool } = context;
  return {
    account,
    home: 'postgres',
    place,
    morning: morningRow(pool, account, place),
    readLedger: (now) => AccountLedger.open(readOnlyLedgerStore(pool, account, place), account, now, { create: false }),
    async lockHeld() {
      try {
        const id = await findAccount(pool, account);
        return id !== undefined && await advisoryLockHeld(pool, id);
      } catch (error) {
        throw new StateError(place, `cannot ask the database whether a login holds the account (${failureCode(error)}); is it reachable?`);
      }
    },
    readToken: () => readTokenRow(pool, account),
    hold: (work, options) => holdAccount(context, { account, place, legacyState }, work, options),
    // Announcing is the Redis announcer's, which wraps every home.
    announce: () => Promise.resolve({ configured: false }),
  };
}
