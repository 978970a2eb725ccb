import { Redis, type RedisOptions } from 'ioredis';
import { toRedisError, type RedisUnavailableError } from './redis-error.js';
import type { RedisConnectionOptions } from './redis-url.js';

/**
 * The one module that imports ioredis. Everything else talks to Redis through RedisClient,
 * whose every failure is a RedisUnavailableError with a safe message.
 */
export interface RedisClient {
  /** Runs one command (name and arguments as Redis takes them). */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** Runs a Lua script, atomically: nothing else runs on the server meanwhile. */
  eval(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  /** Follows a channel on a connection of its own (resubscribed after a reconnect); resolves once subscribed. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<RedisSubscription>;
  /** Closes the connection; pending commands finish first when it is up. Idempotent. */
  close(): Promise<void>;
}

export interface RedisSubscription {
  close(): Promise<void>;
}

export interface RedisClientOptions {
  /**
   * Told of each failure of the connection itself (refused, reset, TLS, auth), already made
   * safe. ioredis reconnects on its own, so this can fire every reconnect attempt. Default: ignored
   * (each command's own rejection says what went wrong).
   */
  onError?: (error: RedisUnavailableError) => void;
  /** How long a command may wait for its answer, in ms. Default 5_000. */
  commandTimeoutMs?: number;
  /** How long connecting may take, in ms. Default 5_000. */
  connectTimeoutMs?: number;
  /** The longest wait between reconnect attempts, in ms (they start at 100 and grow). Default 2_000. */
  reconnectMaxDelayMs?: number;
}

/**
 * Makes a client; it connects on its first command. Commands issued while Redis is down
 * fail after one reconnect attempt instead of queueing for minutes, and a command whose
 * answer was lost with the connection fails instead of being sent again: a ledger line is
 * never appended twice, and the caller learns that the outcome is unknown.
 */
export function createRedisClient(connection: RedisConnectionOptions, options: RedisClientOptions = {}): RedisClient {
  const maxDelay = options.reconnectMaxDelayMs ?? 2_000;
  const redisOptions: RedisOptions = {
    host: connection.host,
    port: connection.port,
    db: connection.db,
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ...(connection.tls === undefined ? {} : { tls: { ...connection.tls } }),
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(times * 100, maxDelay),
    // Neither INFO (the ready check) nor CLIENT SETINFO is among the commands a narrow ACL user is given.
    enableReadyCheck: false,
    disableClientInfo: true,
  };
  return wrap(new Redis(redisOptions), options.onError);
}

function wrap(redis: Redis, onError: RedisClientOptions['onError']): RedisClient {
  const lastConnectionError = watchErrors(redis, onError);
  let closed: Promise<void> | undefined;

  const run = async (name: string, args: (string | number)[]): Promise<unknown> => {
    try {
      return await redis.call(name, ...args);
    } catch (error) {
      throw toRedisError(error, name, lastConnectionError());
    }
  };

  return {
    call: (command, ...args) => run(command, args),
    eval: (script, keys, args) => run('EVAL', [script, keys.length, ...keys, ...args]),
    async subscribe(channel, onMessage) {
      const subscriber = redis.duplicate();
      const subscriberError = watchErrors(subscriber, onError);
      try {
        await subscriber.subscribe(channel);
      } catch (error) {
        subscriber.disconnect();
        throw toRedisError(error, 'SUBSCRIBE', subscriberError());
      }
      subscriber.on('message', (from: string, message: string) => {
        if (from === channel) onMessage(message);
      });
      let done: Promise<void> | undefined;
      return { close: () => (done ??= closeQuietly(subscriber)) };
    },
    close: () => (closed ??= closeQuietly(redis)),
  };
}

/**
 * Listens for connection failures (an ioredis error without a listener is printed raw, URL
 * parts and all) and returns a reader of the latest one since the connection was last ready.
 */
function watchErrors(redis: Redis, onError: RedisClientOptions['onError']): () => unknown {
  let last: unknown;
  redis.on('error', (error: unknown) => {
    last = error;
    try {
      onError?.(toRedisError(error));
    } catch {
      // a listener's failure must not escape from ioredis's event
    }
  });
  redis.on('ready', () => { last = undefined; });
  return () => last;
}

/** QUIT when connected (answers already asked for still arrive), else drop the connection at once. */
async function closeQuietly(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through: the connection broke meanwhile
    }
  }
  redis.disconnect();
}
