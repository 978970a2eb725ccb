import { StateError } from '../../errors/state-error.js';
import type { AutologinState, StateChange } from '../../state/autologin-state.js';
import type { Account, MorningRecord } from '../record.js';
import { ensureAccount, findAccount } from './account-rows.js';
import { failureCode } from './database-failure.js';
import type { Pooled } from './pg-connection.js';
import { SCHEMA } from './schema.js';
import { inTransaction } from './transaction.js';

const DAMAGED = 'the morning record is damaged (not a JSON object). It holds only the daemon\'s day record and heartbeat '
  + `(stops are in the attempt ledger): delete the account's row of ${SCHEMA}.morning and start again.`;

/**
 * The account's morning record (AutologinState) in kite_autologin.morning, as the state file
 * keeps it for one host: a row that cannot be read or is not a JSON object is a StateError,
 * never an empty record (a heartbeat would then overwrite the day's record).
 */
export function morningRow(pool: Pooled, account: Account, place: string): MorningRecord {
  const where = `${place} (morning record)`;
  const failed = (what: string, error: unknown): StateError => new StateError(where, `the morning record cannot be ${what} (${failureCode(error)}); is the database reachable?`);
  return {
    place: where,
    async read() {
      let rows: { state: unknown }[];
      try {
        const id = await findAccount(pool, account);
        rows = id === undefined ? [] : await pool.query<{ state: unknown }>(`SELECT state FROM ${SCHEMA}.morning WHERE account_id = $1`, [id]);
      } catch (error) {
        throw failed('read', error);
      }
      return rows[0] === undefined ? {} : stateOf(where, rows[0].state);
    },
    /**
     * Read, change, write in one transaction holding the row (FOR UPDATE): writers on every
     * host wait for each other, and none writes back an older copy over another's change.
     * What `change` throws is rethrown as it is, and nothing is written.
     */
    async update(change: StateChange) {
      try {
        return await pool.withSql((sql) => inTransaction(sql, async () => {
          const id = await ensureAccount(sql, account);
          await sql.query(`INSERT INTO ${SCHEMA}.morning (account_id, state) VALUES ($1, '{}') ON CONFLICT (account_id) DO NOTHING`, [id]);
          const rows = await sql.query<{ state: unknown }>(`SELECT state FROM ${SCHEMA}.morning WHERE account_id = $1 FOR UPDATE`, [id]);
          const current = stateOf(where, rows[0]?.state);
          let next: AutologinState;
          try {
            next = change(current) ?? current;
          } catch (error) {
            throw new ChangeFailed(error);
          }
          await sql.query(`UPDATE ${SCHEMA}.morning SET state = $2::jsonb, updated_at = now() WHERE account_id = $1`, [id, JSON.stringify(next)]);
          return next;
        }));
      } catch (error) {
        if (error instanceof ChangeFailed) throw error.error;
        if (error instanceof StateError) throw error;
        throw failed('written', error);
      }
    },
  };
}

function stateOf(where: string, value: unknown): AutologinState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StateError(where, DAMAGED);
  return value;
}

/** What `change` threw, carried out of the transaction (which it rolled back) to be rethrown as it is. */
class ChangeFailed extends Error {
  constructor(readonly error: unknown) {
    super('the change to the morning record failed');
  }
}
