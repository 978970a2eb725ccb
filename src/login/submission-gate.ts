import { RefusedError } from '../errors/index.js';
import type { SubmissionGate } from '../kite/walk-login-pages.js';
import { totpAllowed, type Refusal } from '../ledger/attempt-rules.js';
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
  /** Which command submits: `login`, `run`, `daemon`... */
  via: string;
  now: () => Date;
  logger: Logger;
}

/** The error for a refusal of the rules. */
export function refusalError(refusal: Refusal): RefusedError {
  return new RefusedError(refusal.code, refusal.message);
}

/**
 * The ledger's side of each submission: the lock is still ours, the rules allow it, and the
 * submission is on disk (fsynced) before the flow may type the secret. A rejection whose
 * answer cannot be recorded is still reported as the rejection: the flow throws it anyway,
 * and the unanswered record reads as unknown, which stops the account too.
 */
export function ledgerGate(deps: GateDeps): SubmissionGate {
  const { ledger, prints } = deps;
  return {
    totpWindowFloor: () => ledger.judge(istDate(deps.now()), prints, true).failedTotpWindow,
    async open(factor: Factor, context) {
      deps.assertLockHeld();
      const today = istDate(new Date(context.kiteNow));
      const verdict = ledger.judge(today, prints, true);
      if (verdict.refusal) throw refusalError(verdict.refusal);
      if (factor === 'totp') {
        const allowed = totpAllowed(verdict, context.window ?? 0, context.clockMeasured);
        if (!allowed.ok) throw new RefusedError('ATTEMPT_BUDGET_SPENT', `Not sending a TOTP code: ${allowed.why}.`, { step: 'second-factor' });
      }
      const id = await ledger.recordSubmission({
        factor, at: deps.now().toISOString(), day: today, print: prints[factor],
        ...(context.window === undefined ? {} : { window: context.window }), via: deps.via, pid: process.pid,
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
      };
    },
  };
}
