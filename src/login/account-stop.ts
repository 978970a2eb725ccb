import type { LoginConfig } from '../config/index.js';
import { istDate } from '../time/ist.js';
import { accountFiles } from './account-files.js';
import { openAccountLedger } from './open-ledger.js';

/** The ledger's stop on the configured account, if it is stopped (budgets spent for the day are not a stop). */
export async function accountStopOf(config: LoginConfig, now: Date): Promise<{ code: string; since: string } | undefined> {
  const files = accountFiles(config, config.credentials);
  const { ledger, prints } = await openAccountLedger(files, config.credentials, now);
  const refusal = ledger.judge(istDate(now), prints, false).refusal;
  return refusal?.code === 'HALTED' ? { code: refusal.cause, since: refusal.since } : undefined;
}
