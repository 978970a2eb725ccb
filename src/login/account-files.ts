import { dirname, join } from 'node:path';
import type { Account } from '../ledger/account-ledger.js';

/** Where one account's records live: keyed by api_key and user id, never by folder alone. */
export interface AccountFiles {
  ledger: string;
  state: string;
  lock: string;
  /** With REDIS_URL: what this host last saw of the account's ledger in Redis (login/ledger-witness.ts). */
  redisSeen: string;
  /** The state file of versions before the ledger: one per folder, read once to carry a stop over. */
  legacyState: string;
}

const safe = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '_');

export function accountFiles(config: { tokenFile: string; stateDir?: string | undefined }, account: Account): AccountFiles {
  const folder = config.stateDir ?? dirname(config.tokenFile);
  const stem = join(folder, `kite-autologin-${safe(account.userId.toUpperCase())}-${safe(account.apiKey)}`);
  return {
    ledger: `${stem}.ledger.jsonl`,
    state: `${stem}.state.json`,
    lock: `${stem}.lock`,
    redisSeen: `${stem}.redis-seen.json`,
    legacyState: join(dirname(config.tokenFile), 'kite-autologin-state.json'),
  };
}
