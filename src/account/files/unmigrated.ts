import { ConfigError } from '../../errors/config-error.js';
import type { Account } from '../record.js';
import { fileLedgerOf } from './move-aside.js';

/** One account as configured on this host: whose, and its token file and STATE_DIR. */
export interface AccountPlace { account: Account | undefined; tokenFile: string; stateDir: string }

/**
 * With DATABASE_URL set, a command that writes records refuses while this host still keeps a
 * file ledger for one of its accounts: the database would start a ledger of its own that
 * knows none of the file's stops and counts (a rejected password would be typed again), and
 * `migrate` could no longer carry the file in. `kite-autologin migrate` moves it first.
 */
export async function refuseUnmigrated(places: readonly AccountPlace[]): Promise<void> {
  const left: string[] = [];
  for (const place of places) {
    if (!place.account) continue;
    const file = await fileLedgerOf(place.account, place);
    if (file.text !== undefined) left.push(`${place.account.userId.toUpperCase()} (${file.path})`);
  }
  if (left.length === 0) return;
  throw new ConfigError([{
    variable: 'DATABASE_URL',
    message: `is set, but this host still keeps file ledgers the database does not have: ${left.join(', ')}. Their stops and counts would be forgotten. Run \`kite-autologin migrate\` (with DATABASE_URL set) to move them into the database first; nothing was sent to Kite.`,
  }]);
}
