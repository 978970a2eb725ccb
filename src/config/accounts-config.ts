import { availableParallelism } from 'node:os';
import type { RawConfig } from './read.js';
import { Variables, type Outcome } from './variables.js';

/** How many accounts a run covers, and how many of them log in at once. */
export interface AccountsConfig {
  /** ACCOUNTS_FILE as given (trimmed); undefined: the KITE_* variables define the one account. */
  accountsFile: string | undefined;
  /**
   * LOGIN_CONCURRENCY, 1 to 32: logins at a time, each in its own context of one browser.
   * Default min(4, CPUs): 2 on a 2-core VPS (each login keeps a renderer busy).
   */
  loginConcurrency: number;
}

/** The default LOGIN_CONCURRENCY for a machine with `cpus` cores. */
export const defaultLoginConcurrency = (cpus: number = availableParallelism()): number => Math.max(1, Math.min(4, cpus));

export function validateAccountsConfig(raw: RawConfig, cpus?: number): Outcome<AccountsConfig> {
  const vars = new Variables(raw);
  const accountsFile = vars.text('ACCOUNTS_FILE');
  const given = vars.text('LOGIN_CONCURRENCY');
  let loginConcurrency = defaultLoginConcurrency(cpus);
  if (given !== undefined) {
    if (/^\d+$/.test(given) && Number(given) >= 1 && Number(given) <= 32) loginConcurrency = Number(given);
    else vars.problem('LOGIN_CONCURRENCY', 'must be a whole number from 1 to 32, e.g. 2 (logins at a time)');
  }
  return vars.outcome({ accountsFile, loginConcurrency });
}
