import { stat } from 'node:fs/promises';
import { StateError } from '../errors/state-error.js';

/** The suffix a file ledger gets once carried over to Redis (so it is carried once). */
export const MOVED_TO_REDIS = '.moved-to-redis';

/** File mode after the ledger moved to Redis: a fresh file would read as "nothing recorded". */
export async function refuseMovedToRedis(ledger: string): Promise<void> {
  const moved = `${ledger}${MOVED_TO_REDIS}`;
  const there = await stat(moved).then(() => true, (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new StateError(moved, `cannot tell whether the attempt ledger was moved to Redis (${(error as NodeJS.ErrnoException).code ?? 'error'}). Fix the folder's permissions.`);
  });
  if (!there) return;
  throw new StateError(ledger, `the account's attempt ledger now lives in Redis (this host's file was carried there and renamed ${moved}): set REDIS_URL (or REDIS_URL_FILE) as on the other runs, so its stops and today's budgets count; to keep it in a file again, move ${moved} back to ${ledger} by hand.`);
}
