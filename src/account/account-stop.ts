import type { Stop } from '../ledger/attempt-rules.js';
import type { AccountRecord, Secrets } from './record.js';

/**
 * The account's stop as its record shows it now, read only (nothing created, no lock). With
 * the secrets, a stop about credentials changed since is not one; without them (`status`,
 * `health`), every print is taken as today's. An unanswered submission is not counted as a
 * stop while a login may be waiting for its answer (`settled` false): the next login, holding
 * the account, records it as unknown and refuses with an alert.
 */
export async function accountStop(record: AccountRecord, secrets: Secrets | undefined, now: Date, settled = false): Promise<Stop | undefined> {
  const ledger = await record.readLedger(now);
  if (!ledger) return undefined;
  const prints = secrets ? await ledger.prints(record.account, secrets) : undefined;
  return ledger.judge(prints, settled).stop;
}
