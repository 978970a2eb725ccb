import { countedSubmissions, type Submission } from '../ledger/attempt-rules.js';
import type { AccountLedger } from '../ledger/account-ledger.js';
import type { AccountRecord } from './record.js';

/** What `status`, `health` and `resume` read of an account, without its secrets. */
export interface AccountView {
  /** Undefined: nothing was ever submitted for this account. */
  ledger: AccountLedger | undefined;
  /** The submissions that count against the account now: not accepted since the last accepted one of their factor and the last resume. */
  counted: Submission[];
  /** The account's stop as the record shows it (a change of credentials, which only a login can see, may also clear it). */
  stop: { since: string; causes: string[]; advice: string } | undefined;
}

/**
 * Reads the account's ledger (never creating it). A submission without an answer counts as
 * unknown unless a live login holds the account (then it may be in flight): a process that
 * died after sending must show as a stop here too, as it will to the next login. Without the
 * secrets every print is taken as today's: the worst case.
 */
export async function viewAccount(record: AccountRecord, now: Date): Promise<AccountView> {
  const [ledger, held] = await Promise.all([record.readLedger(now), record.lockHeld(now)]);
  const verdict = ledger?.judge(undefined, !held);
  const counted = verdict ? countedSubmissions(verdict) : [];
  const stop = verdict?.stop
    ? {
        since: verdict.stop.since,
        causes: counted.length > 0 ? counted.map((f) => `${f.factor} ${f.outcome}${f.code ? ` (${f.code})` : ''}`) : [verdict.stop.cause],
        advice: verdict.stop.advice,
      }
    : undefined;
  return { ledger, counted, stop };
}
