import { stat } from 'node:fs/promises';
import type { Account } from '../ledger/account-ledger.js';
import { fileLedgerStore, type LedgerStore } from '../ledger/ledger-store.js';
import { lockKey } from '../redis/keys.js';
import type { RedisClient } from '../redis/redis-client.js';
import { RedisLedgerStore } from '../redis/redis-ledger-store.js';
import type { AccountLock, AccountLockOptions } from '../state/account-lock.js';
import { DEFAULT_STALE_MS } from '../state/lock-staleness.js';
import { accountFiles } from './account-files.js';

/** Where an account's files live (the lock and ledger move to Redis when a client is given). */
export interface StoreConfig { tokenFile: string; stateDir?: string | undefined }

/** The lock a login holds, and what only Redis's can do: ask Redis, now, whether it is still ours. */
export type HeldLock = AccountLock & { confirmHeld?: () => Promise<void> };

/**
 * The account's attempt ledger: a file in STATE_DIR, or, with REDIS_URL, a key shared by
 * every host. One choice for the login, `status`, `health` and `resume`, so they never read
 * different ledgers.
 */
export function ledgerStoreFor(config: StoreConfig, account: Account, redis: RedisClient | undefined): LedgerStore {
  return redis ? new RedisLedgerStore(redis, account.apiKey, account.userId) : fileLedgerStore(accountFiles(config, account).ledger);
}

/** Where the ledger is, for messages: its file, or its Redis key. */
export function ledgerPlace(config: StoreConfig, account: Account, redis: RedisClient | undefined): string {
  return ledgerStoreFor(config, account, redis).path;
}

/**
 * Runs `work` holding the account's lock: the lock folder, or, with REDIS_URL, Redis's. The
 * locks load when taken: `status` and `health` only ask whether one is held.
 */
export async function withAccountLockFor<T>(
  config: StoreConfig, account: Account, redis: RedisClient | undefined,
  work: (lock: HeldLock) => Promise<T>, options: AccountLockOptions,
): Promise<T> {
  if (redis === undefined) {
    const { withAccountLock } = await import('../state/account-lock.js');
    return withAccountLock(accountFiles(config, account).lock, work, options);
  }
  const { acquireRedisLock } = await import('../redis/redis-lock.js');
  const lock = await acquireRedisLock(redis, account.apiKey, account.userId, options);
  try {
    return await work(lock);
  } finally {
    // A lock that cannot be released (Redis down) expires on its own once no longer refreshed.
    await lock.release().catch(() => undefined);
  }
}

/**
 * Does a live login hold the account's lock? A lock folder refreshed within the staleness
 * (a crashed holder's goes stale), or Redis's key (it expires unless refreshed). A Redis that
 * cannot be read throws: "nobody holds it" would be a guess.
 */
export async function lockHeldFor(config: StoreConfig, account: Account, redis: RedisClient | undefined, now: Date): Promise<boolean> {
  if (redis) return (await redis.call('EXISTS', lockKey(account.apiKey, account.userId))) === 1;
  return stat(accountFiles(config, account).lock).then((info) => now.getTime() - info.mtimeMs < DEFAULT_STALE_MS, () => false);
}
