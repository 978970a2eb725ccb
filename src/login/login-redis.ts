import type { RedisSetting } from '../config/index.js';
import type { Logger } from '../logger.js';
import { createRedisClient, type RedisClient } from '../redis/redis-client.js';
import { parseRedisUrl } from '../redis/redis-url.js';
import { publishToken } from '../redis/token-channel.js';
import { createTokenOutbox } from '../redis/token-outbox.js';
import type { SavedToken } from '../token-store.js';

/** What a login does with Redis when REDIS_URL is set: lock, ledger, token check and copy. */
export interface LoginRedis {
  client: RedisClient;
  /** How long a login waits for its token to land in Redis before leaving it to others. Default: the step timeout. */
  publishWaitMs?: number;
  /** Told once when the token could not be copied within publishWaitMs (an alert). Default: logged only. */
  onPublishFailed?: (failure: PublishFailure) => Promise<void>;
}

/** A copy to Redis that did not land; `message` is already safe (no URL, no password). */
export interface PublishFailure {
  token: SavedToken;
  message: string;
  attempts: number;
}

export type PublishReport =
  | { landed: true; attempts: number }
  | { landed: false; attempts: number; message: string };

/**
 * A client for REDIS_URL. A bad URL is a ConfigError naming REDIS_URL or REDIS_URL_FILE,
 * never quoting it. Connection failures are logged at debug (each command reports its own).
 */
export function connectRedis(setting: RedisSetting, logger?: Logger): RedisClient {
  const connection = parseRedisUrl(setting.url, setting.variable);
  return createRedisClient(connection, {
    onError: (error) => logger?.debug({ err: error.toJSON() }, 'Redis connection failed'),
  });
}

/**
 * File first, then Redis: the token file is already written when this is called. Copies
 * the token through an outbox, retrying with backoff for up to `waitMs`; a copy that has not
 * landed by then is reported, not thrown: the login itself succeeded, and repeating it would
 * end the session just saved.
 */
export async function publishWithin(client: RedisClient, token: SavedToken, waitMs: number, logger: Logger, signal?: AbortSignal): Promise<PublishReport> {
  let last = 'Redis did not answer in time.';
  const window = AbortSignal.timeout(waitMs);
  const outbox = createTokenOutbox({
    publish: (t, now) => publishToken(client, t, now),
    firstDelayMs: 500,
    maxDelayMs: 5_000,
    signal: signal ? AbortSignal.any([window, signal]) : window,
    onFailure: (failure) => {
      last = failure.error.message;
      logger.warn({ err: errorJson(failure.error), attempt: failure.attempt, retryInMs: failure.retryInMs }, 'copying the token to Redis failed; the token file has it');
    },
  });
  const result = await outbox.submit(token);
  switch (result.outcome) {
    case 'published':
      logger.info({ attempts: result.attempts }, 'token copied to Redis');
      return { landed: true, attempts: result.attempts };
    case 'superseded':
      // Redis already holds a token issued later (another host's): that one is current.
      logger.info({ attempts: result.attempts }, 'Redis already holds a newer token for this account; left alone');
      return { landed: true, attempts: result.attempts };
    case 'expired':
      return { landed: false, attempts: result.attempts, message: 'the session ended before Redis could take it.' };
    case 'aborted':
      return { landed: false, attempts: result.attempts, message: last };
  }
}

function errorJson(error: Error): unknown {
  const json = (error as { toJSON?: () => unknown }).toJSON;
  return typeof json === 'function' ? json.call(error) : { name: error.name };
}
