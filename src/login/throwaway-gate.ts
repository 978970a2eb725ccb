import type { Credentials } from '../config/index.js';
import type { SubmissionGate } from '../kite/walk-login-pages.js';
import { AccountLedger } from '../ledger/account-ledger.js';
import { memoryLedgerStore } from '../ledger/ledger-store.js';
import type { Logger } from '../logger.js';
import { ledgerGate } from './submission-gate.js';

/**
 * The same rules over a ledger kept in memory: for the sandbox's throwaway account, which
 * has no history worth a file.
 */
export async function throwawayGate(credentials: Credentials, logger: Logger, now: () => Date = () => new Date()): Promise<SubmissionGate> {
  const account = { apiKey: credentials.apiKey, userId: credentials.userId };
  const ledger = await AccountLedger.open(memoryLedgerStore(), account, now(), { create: true }) as AccountLedger;
  const prints = await ledger.prints(account, { password: credentials.password, totpSecret: credentials.totpSecret });
  return ledgerGate({ ledger, account, prints, assertLockHeld: () => undefined, via: 'sandbox', now, logger });
}
