import { RefusedError } from '../errors/index.js';
import type { SubmissionGate } from '../kite/walk-login-pages.js';
import { judge, refusalBefore, type Refusal } from '../ledger/attempt-rules.js';
import type { Account, AccountLedger } from '../ledger/account-ledger.js';
import type { Factor } from '../ledger/records.js';
import type { Logger } from '../logger.js';
import { istDate } from '../time/ist.js';

export interface GateDeps {
  ledger: AccountLedger;
  account: Account;
  prints: Record<Factor, string>;
  /** Throws unless this process still holds the account's lock. */
  assertLockHeld: () => void;
  /** Asks the keeper of the hold, now (a database), whether it is still ours; throws if not. Default: assertLockHeld alone. */
  confirmHeld?: () => Promise<void>;
  /** Which command submits: `login`, `run`, `daemon`... */
  via: string;
  now: () => Date;
  logger: Logger;
}

/** The error for a refusal of the rules. */
export function refusalError(refusal: Refusal, step?: 'credentials' | 'second-factor'): RefusedError {
  return new RefusedError(refusal.code, refusal.message, step ? { step } : {});
}

/**
 * The ledger's side of each submission: the lock is still ours, this factor's rules allow it
 * (never another factor's: a password Kite just accepted says nothing against the code), and
 * the submission is on disk (fsynced) before the flow may type the secret. A rejection whose
 * answer cannot be recorded is still reported as the rejection: the flow throws it anyway,
 * and the unanswered record reads as unknown, which stops the account too.
 */
export function ledgerGate(deps: GateDeps): SubmissionGate {
  const { ledger, prints } = deps;
  return {
    totpWindowFloor: () => ledger.judge(prints, true).totp.failedWindow,
    async recordStop(factor, code, note) {
      await ledger.recordStop({ at: deps.now(), code, factor, print: prints[factor], note });
    },
    async open(factor: Factor, context) {
      deps.assertLockHeld();
      await deps.confirmHeld?.();
      const today = istDate(new Date(context.kiteNow));
      const step = factor === 'password' ? 'credentials' : 'second-factor';
      const code = factor === 'totp' ? { window: context.window ?? 0, clockMeasured: context.clockMeasured } : undefined;
      // The rules are read on the ledger as the store holds it, in the same step as the append
      // (a database: one transaction), so two hosts can never both pass them.
      const id = await ledger.recordSubmission({
        factor, at: deps.now().toISOString(), day: today, print: prints[factor],
        ...(context.window === undefined ? {} : { window: context.window }), via: deps.via, pid: process.pid,
      }, (records) => {
        const refusal = refusalBefore(judge({ records, prints, settled: true }), factor, code);
        if (refusal) throw refusalError(refusal, step);
      });
      return {
        async settle(answer, detail) {
          try {
            await ledger.recordAnswer(id, deps.now(), answer, detail);
          } catch (error) {
            deps.logger.error({ file: ledger.path, answer }, 'Kite\'s answer could not be recorded; the submission reads as unknown, which stops the account');
            if (answer === 'accepted') throw error;
          }
        },
        async notSent() {
          // Nothing was typed: the submission counts nowhere. A record that cannot be written reads as unknown (the safe side).
          await ledger.recordAnswer(id, deps.now(), 'not-sent').catch(() => {
            deps.logger.warn({ file: ledger.path }, 'a submission that was never typed could not be recorded as not sent; it reads as unknown');
          });
        },
      };
    },
  };
}
