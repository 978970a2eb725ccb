import { dirname, join } from 'node:path';
import { legacyStatePath } from '../legacy-halt.js';
import type { Account } from '../record.js';

/** Where one account's records live: keyed by api_key and user id, never by folder alone. */
export interface AccountFiles {
  ledger: string;
  state: string;
  lock: string;
  /** The state file of versions before the ledger: one per folder, read once to carry a stop over. */
  legacyState: string;
}

const safe = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '_');

export function accountFiles(where: { tokenFile: string; stateDir?: string | undefined }, account: Account): AccountFiles {
  const folder = where.stateDir ?? dirname(where.tokenFile);
  const stem = join(folder, `kite-autologin-${safe(account.userId.toUpperCase())}-${safe(account.apiKey)}`);
  return {
    ledger: `${stem}.ledger.jsonl`,
    state: `${stem}.state.json`,
    lock: `${stem}.lock`,
    legacyState: legacyStatePath(where.tokenFile),
  };
}
