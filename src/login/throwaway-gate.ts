import { memoryHome } from '../account/memory-home.js';
import type { Credentials } from '../config/index.js';
import type { SubmissionGate } from '../kite/walk-login-pages.js';
import type { Logger } from '../logger.js';
import { ledgerGate } from './submission-gate.js';

/**
 * The same rules over a record kept in memory: for the sandbox's throwaway account, which
 * has no history worth keeping.
 */
export async function throwawayGate(credentials: Credentials, logger: Logger, now: () => Date = () => new Date()): Promise<SubmissionGate> {
  const account = { apiKey: credentials.apiKey, userId: credentials.userId };
  const record = memoryHome().record(account, { tokenFile: 'memory', stateDir: 'memory' });
  const { ledger, prints } = await record.hold((held) => held.openLedger({ password: credentials.password, totpSecret: credentials.totpSecret }, now()));
  return ledgerGate({ ledger, account, prints, assertLockHeld: () => undefined, via: 'sandbox', now, logger });
}
