import type { LedgerStore } from '../ledger/ledger-store.js';
import { ledgerKey } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** APPEND creates a missing key; a ledger must never start without its header line. */
const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('APPEND', KEYS[1], ARGV[1])
`;

/** The ledger already exists (create) or does not (append); `code` as node:fs would say it. */
export class LedgerKeyError extends Error {
  override readonly name = 'LedgerKeyError';
  constructor(readonly code: 'EEXIST' | 'ENOENT', key: string) {
    super(code === 'EEXIST' ? `${key} already exists` : `${key} does not exist`);
  }
}

/**
 * An account's attempt ledger in Redis, shared by every host that logs in to the account:
 * one string key, `kite-autologin:ledger:<api_key>:<user_id>`, its lines appended whole.
 *
 * Durability is Redis's persistence: an append that resolved is on disk only as far as
 * Redis has written it. Run Redis with `appendonly yes` and `appendfsync always` (each write
 * fsynced before Redis answers), as the file store fsyncs each line; with the default
 * `everysec` a crash of the Redis host can lose the last second of submissions, and with no
 * persistence a restart forgets them all. Redis failures reject with RedisUnavailableError
 * (code REDIS_UNAVAILABLE), which AccountLedger turns into a StateError that stops logins.
 */
export class RedisLedgerStore implements LedgerStore {
  readonly path: string;
  readonly #client: RedisClient;

  constructor(client: RedisClient, apiKey: string, userId: string) {
    this.#client = client;
    this.path = ledgerKey(apiKey, userId);
  }

  /** The whole text; undefined only when the key is absent. */
  async read(): Promise<string | undefined> {
    const text = await this.#client.call('GET', this.path);
    if (text === null) return undefined;
    if (typeof text !== 'string') throw new TypeError(`${this.path}: GET answered with something other than text`);
    return text;
  }

  /** SET NX: of two hosts creating it at once, one wins and the other sees EEXIST. */
  async create(line: string): Promise<void> {
    const answer = await this.#client.call('SET', this.path, line, 'NX');
    if (answer !== 'OK') throw new LedgerKeyError('EEXIST', this.path);
  }

  async append(line: string): Promise<void> {
    const length = await this.#client.eval(APPEND_SCRIPT, [this.path], [line]);
    if (length === -1) throw new LedgerKeyError('ENOENT', this.path);
  }
}
