import type { LoginConfig } from '../config/index.js';
import type { ErrorCode } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { AccountLedger } from '../ledger/account-ledger.js';
import { fileLedgerStore } from '../ledger/ledger-store.js';
import type { RedisClient } from '../redis/redis-client.js';
import { RedisLedgerStore } from '../redis/redis-ledger-store.js';
import { accountFiles } from './account-files.js';
import { connectRedis } from './login-redis.js';

/**
 * The ledger's stop on the configured account, if it is stopped. Reads only: a ledger not yet started holds no stop (the next login starts
 * it, carrying over an earlier version's). An unanswered submission is not counted here:
 * the morning then runs, and its login, holding the lock, records it as unknown and refuses
 * with an alert (a restart after a crash must not skip the morning silently).
 * With REDIS_URL the ledger is Redis's (`redis`, or a connection of its own); a Redis that
 * cannot be read throws.
 */
export async function accountStopOf(config: LoginConfig, now: Date, redis?: RedisClient, logger?: Logger): Promise<{ code: ErrorCode; since: string } | undefined> {
  const own = redis === undefined && config.redis !== undefined ? connectRedis(config.redis, logger) : undefined;
  try {
    const client = redis ?? own;
    const files = accountFiles(config, config.credentials);
    const account = { apiKey: config.credentials.apiKey, userId: config.credentials.userId };
    const store = client ? new RedisLedgerStore(client, account.apiKey, account.userId) : fileLedgerStore(files.ledger);
    const ledger = await AccountLedger.open(store, account, now, { create: false });
    if (!ledger) return undefined;
    const prints = await ledger.prints(account, { password: config.credentials.password, totpSecret: config.credentials.totpSecret });
    const stop = ledger.judge(prints, false).stop;
    return stop ? { code: stop.cause, since: stop.since } : undefined;
  } finally {
    await own?.close();
  }
}
