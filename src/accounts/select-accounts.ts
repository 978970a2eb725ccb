import { ConfigError } from '../errors/config-error.js';
import type { AccountSettings } from './resolve-accounts.js';

export interface AccountChoice {
  /** `--account USER_ID` (any case). Wins over `completionIndex`. Default: no choice by id. */
  account?: string | undefined;
  /** JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's pod number, from 0). Default: no choice by index. */
  completionIndex?: string | undefined;
}

/**
 * The accounts a run works on: those with `--account`'s user id (more than one only when the
 * same user is listed under two api_keys), else `accounts[JOB_COMPLETION_INDEX]`, else all.
 * Blank options count as unset, like blank variables.
 *
 * @throws ConfigError naming `--account` or `JOB_COMPLETION_INDEX` when it picks nothing.
 */
export function selectAccounts<A extends Pick<AccountSettings, 'userId'>>(accounts: readonly A[], choice: AccountChoice = {}): A[] {
  const wanted = choice.account?.trim().toUpperCase();
  if (wanted) {
    const picked = accounts.filter((account) => account.userId.toUpperCase() === wanted);
    if (picked.length > 0) return picked;
    const ids = [...new Set(accounts.map((account) => account.userId))];
    throw new ConfigError([{
      variable: '--account',
      message: ids.length > 0
        ? `names no account in ACCOUNTS_FILE; its user ids are ${ids.join(', ')}`
        : 'names no account: ACCOUNTS_FILE lists none',
    }]);
  }

  const index = choice.completionIndex?.trim();
  if (!index) return [...accounts];
  const count = accounts.length;
  const range = count > 0 ? `from 0 to ${count - 1}` : 'impossible';
  if (!/^\d+$/.test(index)) {
    throw new ConfigError([{ variable: 'JOB_COMPLETION_INDEX', message: `must be a whole number ${range}: ACCOUNTS_FILE lists ${count} account(s)` }]);
  }
  const picked = accounts[Number(index)];
  if (picked === undefined) {
    throw new ConfigError([{
      variable: 'JOB_COMPLETION_INDEX',
      message: `is beyond the ${count} account(s) ACCOUNTS_FILE lists (it must be ${range}); set the Indexed Job's completions to ${count}`,
    }]);
  }
  return [picked];
}
