import { AccountLedger, type Account } from '../ledger/account-ledger.js';
import { countedSubmissions, type Submission } from '../ledger/attempt-rules.js';
import { TokenStore } from '../token-store.js';
import type { RedisSetting } from '../config/index.js';
import type { RedisClient } from '../redis/redis-client.js';
import { accountFiles, type AccountFiles } from './account-files.js';
import { ledgerPlace, ledgerStoreFor, lockHeldFor } from './account-stores.js';
import { refuseMovedToRedis } from './moved-ledger.js';

/**
 * Whose records `status`, `health` and `resume` read: KITE_API_KEY and KITE_USER_ID when set
 * (neither is a secret), else the account of the saved token.
 */
export async function observedAccount(raw: Readonly<Record<string, string | undefined>>, tokenFile: string): Promise<Account | undefined> {
  const apiKey = raw['KITE_API_KEY']?.trim();
  const userId = raw['KITE_USER_ID']?.trim();
  if (apiKey && userId) return { apiKey, userId };
  const read = await new TokenStore(tokenFile).read();
  return read.state === 'ok' ? { apiKey: read.token.api_key, userId: read.token.user_id } : undefined;
}

/** What `status`, `health` and `resume` read of an account, without its secrets. */
export interface AccountRecord {
  account: Account;
  files: AccountFiles;
  /** Where its ledger is: the file, or the Redis key. */
  ledgerAt: string;
  /** Undefined: nothing was ever submitted for this account. */
  ledger: AccountLedger | undefined;
  /** The submissions that count against the account now: not accepted since the last accepted one of their factor and the last resume. */
  counted: Submission[];
  /** The account's stop as these records show it (a change of credentials, which only a login can see, may also clear it). */
  stop: { since: string; causes: string[]; advice: string } | undefined;
}

/**
 * Reads the account's ledger (never creating it). A submission without an answer counts as
 * unknown unless a live login holds the account's lock (then it may be in flight): a
 * process that died after sending must show as a stop here too, as it will to the next login.
 */
export async function readAccountRecord(
  config: { tokenFile: string; stateDir?: string | undefined; redis?: RedisSetting | undefined },
  raw: Readonly<Record<string, string | undefined>>,
  now: Date,
): Promise<AccountRecord | undefined> {
  const account = await observedAccount(raw, config.tokenFile);
  if (!account) return undefined;
  if (config.redis === undefined) return readFrom(config, account, undefined, now);
  // With REDIS_URL the ledger and the lock are Redis's (ioredis loads only then).
  const { connectRedis } = await import('./login-redis.js');
  const redis = connectRedis(config.redis);
  try {
    return await readFrom(config, account, redis, now);
  } finally {
    await redis.close();
  }
}

async function readFrom(config: { tokenFile: string; stateDir?: string | undefined }, account: Account, redis: RedisClient | undefined, now: Date): Promise<AccountRecord> {
  const files = accountFiles(config, account);
  const ledger = await AccountLedger.open(ledgerStoreFor(config, account, redis), account, now, { create: false });
  // A file ledger carried over to Redis: read without REDIS_URL, "nothing recorded" would be wrong.
  if (!ledger && !redis) await refuseMovedToRedis(files.ledger);
  // A ledger this host saw in Redis and Redis lost: "nothing recorded" would be wrong there too.
  if (!ledger && redis) await (await import('./ledger-witness.js')).ledgerWitness(files.redisSeen, ledgerPlace(config, account, redis)).checkAbsent();
  // Held: a live login refreshes it (a crashed holder's goes stale, or expires in Redis).
  const lockHeld = await lockHeldFor(config, account, redis, now);
  // Without the secrets every print is taken as today's: the worst case.
  const verdict = ledger?.judge(undefined, !lockHeld);
  const counted = verdict ? countedSubmissions(verdict) : [];
  const stop = verdict?.stop
    ? {
        since: verdict.stop.since,
        causes: counted.length > 0 ? counted.map((f) => `${f.factor} ${f.outcome}${f.code ? ` (${f.code})` : ''}`) : [verdict.stop.cause],
        advice: verdict.stop.advice,
      }
    : undefined;
  return { account, files, ledgerAt: ledgerPlace(config, account, redis), ledger, counted, stop };
}
