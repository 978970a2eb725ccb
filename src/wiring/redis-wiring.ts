/**
 * The Redis parts of the daemon, built from REDIS_URL (or REDIS_URL_FILE): one connection for
 * its beats, the outbox that keeps copying a saved token to Redis until it lands, and the
 * alert when a copy fails. Undefined without REDIS_URL: files only, exactly as before.
 */
import type { BaseConfig, LoginConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { accountStopOf } from '../login/account-stop.js';
import { connectRedis, type LoginRedis } from '../login/login-redis.js';
import { redisPublishFailedNotice } from '../notify/notice.js';
import type { Notifier } from '../notify/notifier.js';
import type { RedisClient } from '../redis/redis-client.js';
import { publishToken, readToken } from '../redis/token-channel.js';
import { createTokenOutbox, type TokenOutbox } from '../redis/token-outbox.js';
import { istDate } from '../time/ist.js';
import { isTokenCurrent, TokenStore, type SavedToken } from '../token-store.js';

export interface DaemonRedis {
  client: RedisClient;
  outbox: TokenOutbox;
  /**
   * The daemon's "is today's token saved?" for one account: the token file and Redis (one
   * GET each time). A token in Redis that the file lacks, or newer than the file's (another
   * host logged in later), is copied into this host's file. A current token in the file that
   * Redis lacks, or holds an older one than, is handed to the outbox. Throws when the file has
   * none and Redis cannot be read: "no answer" is never "no token" (the beat then decides
   * nothing); with a current token in the file, an unreadable Redis leaves it valid.
   */
  tokenValid(config: LoginConfig, now: Date): Promise<boolean>;
  /** The account's stop, read from its ledger in Redis. */
  accountStop(config: LoginConfig, now: Date): ReturnType<typeof accountStopOf>;
  /** What a login in this process is handed (`run --once`): the connection, and the alert. */
  login(config: LoginConfig): LoginRedis;
  /** Stops the retries and closes the connection. */
  close(): Promise<void>;
}

export interface DaemonRedisDeps {
  logger: Logger;
  /** Alerts for a copy that failed; default none. */
  notifier?: Notifier | undefined;
  /** Default: the real clock. */
  now?: () => Date;
}

export function redisForDaemon(config: BaseConfig, deps: DaemonRedisDeps): DaemonRedis | undefined {
  if (config.redis === undefined) return undefined;
  const { logger } = deps;
  const now = deps.now ?? (() => new Date());
  const client = connectRedis(config.redis, logger);
  /** The access token each account last had land in Redis (or found there). */
  const landed = new Map<string, string>();
  /** Tokens alerted about, so that a long outage alerts once per token, not once per retry. */
  const alerted = new Set<string>();
  const tokenFiles = new Map<string, string>();
  const accountOf = (token: SavedToken): string => `${token.api_key}:${token.user_id.toUpperCase()}`;
  /** The token each account has in the outbox. */
  const tokens = new Map<string, SavedToken>();

  const alert = async (token: SavedToken, message: string, attempts: number, retrying: boolean): Promise<void> => {
    if (alerted.has(token.access_token)) return;
    alerted.add(token.access_token);
    await deps.notifier?.notify(redisPublishFailedNotice({
      userId: token.user_id, day: istDate(new Date(token.login_time)), at: now().toISOString(),
      tokenFile: tokenFiles.get(accountOf(token)) ?? 'the token file', message, attempts, retrying,
    }));
  };

  const outbox = createTokenOutbox({
    publish: (token, at) => publishToken(client, token, at),
    now: () => now().getTime(),
    onFailure: (failure) => {
      const token = tokens.get(`${failure.apiKey}:${failure.userId.toUpperCase()}`);
      if (token) void alert(token, failure.error.message, failure.attempt, true).catch(() => undefined);
      logger.warn({ userId: failure.userId, err: { message: failure.error.message }, attempt: failure.attempt, retryInMs: failure.retryInMs }, 'copying the token to Redis failed; the token file has it; retrying');
    },
    onPublished: (done) => {
      if (done.attempts > 1) logger.info({ userId: done.userId, attempts: done.attempts }, 'the token landed in Redis after an outage');
    },
  });

  /** The access token each account has in the outbox now. */
  const inFlight = new Map<string, string>();
  const submit = (token: SavedToken): void => {
    const account = accountOf(token);
    if (inFlight.get(account) === token.access_token) return;
    inFlight.set(account, token.access_token);
    tokens.set(account, token);
    void outbox.submit(token).then((result) => {
      if (inFlight.get(account) === token.access_token) inFlight.delete(account);
      if (result.outcome === 'published' || result.outcome === 'superseded') landed.set(account, token.access_token);
    });
  };

  return {
    client,
    outbox,
    async tokenValid(account, at) {
      const store = new TokenStore(account.tokenFile);
      const read = await store.read();
      const key = `${account.credentials.apiKey}:${account.credentials.userId.toUpperCase()}`;
      tokenFiles.set(key, account.tokenFile);
      const own = read.state === 'ok' && isTokenCurrent(read.token, at) && read.token.api_key === account.credentials.apiKey
        && read.token.user_id.toUpperCase() === account.credentials.userId.toUpperCase() ? read.token : undefined;
      /** Another host's token: this host's programs read the file. */
      const adopt = async (shared: SavedToken): Promise<void> => {
        await store.write(shared).catch((error: unknown) => logger.warn({ file: account.tokenFile, code: (error as NodeJS.ErrnoException).code }, 'could not copy the token from Redis into the token file'));
        landed.set(key, shared.access_token);
      };
      if (own === undefined) {
        // Throws when Redis cannot be read: "no answer" is never "no token".
        const shared = await readToken(client, account.credentials.apiKey, account.credentials.userId, at);
        if (shared === undefined) return false;
        await adopt(shared);
        return true;
      }
      // Redis is read on every ask, not only until our token lands: another host may log in
      // later (`login --force`), which ends this token's session at Kite.
      let shared: SavedToken | undefined;
      try {
        shared = await readToken(client, own.api_key, own.user_id, at);
      } catch {
        // Redis cannot be read: the file's token stands; the outbox retries a copy that has not landed.
        if (landed.get(key) !== own.access_token) submit(own);
        return true;
      }
      if (shared !== undefined && Date.parse(shared.login_time) > Date.parse(own.login_time)) await adopt(shared);
      // Not there, or older (the login's own copy did not land, Redis lost it): the outbox keeps trying, and alerts once.
      else if (shared === undefined || Date.parse(shared.login_time) < Date.parse(own.login_time)) submit(own);
      else landed.set(key, own.access_token);
      return true;
    },
    accountStop: (account, at) => accountStopOf(account, at, client),
    login: () => ({
      client,
      onPublishFailed: (failure) => alert(failure.token, failure.message, failure.attempts, false),
    }),
    async close() {
      await outbox.close();
      await client.close();
    },
  };
}
