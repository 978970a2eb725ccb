import type { SavedToken } from '../token-store.js';
import { sleep as realSleep } from '../time/sleep.js';
import { tokenKeyExpiry } from './keys.js';
import type { PublishOutcome } from './token-channel.js';

/**
 * The outbox between the token file and Redis. The contract is "file first": the caller
 * writes the token file (TokenStore.write) and only then submits the token here, so a Redis
 * that is down never costs the token; the file is the record, Redis the copy where the
 * programs are. The outbox publishes it, and while Redis fails, retries with capped
 * exponential backoff until it lands, a newer token for the same account supersedes it,
 * the session ends (next 06:00 IST), or the outbox is closed. Each failure is reported
 * (the caller alerts), and so is the landing.
 */
export interface TokenOutbox {
  /** Starts publishing; resolves when that is over, whatever the outcome. Never rejects. */
  submit(token: SavedToken): Promise<OutboxOutcome>;
  /** Tokens not yet published or given up. */
  readonly pending: number;
  /** Stops every retry (they resolve 'aborted') and waits for them to settle. */
  close(): Promise<void>;
}

export type OutboxOutcome =
  | { outcome: 'published'; attempts: number }
  /** A newer token for the account was submitted here, or Redis already holds a newer one. */
  | { outcome: 'superseded'; attempts: number }
  /** The session ended before it could be published. */
  | { outcome: 'expired'; attempts: number }
  | { outcome: 'aborted'; attempts: number };

export interface OutboxFailure {
  apiKey: string;
  userId: string;
  /** Already safe to log and alert (a RedisUnavailableError from the client). */
  error: Error;
  /** 1 for the first failure. */
  attempt: number;
  /** When the next attempt is made, in ms. */
  retryInMs: number;
}

export interface TokenOutboxOptions {
  /** Publishes one token; e.g. `(token, now) => publishToken(client, token, now)`. */
  publish: (token: SavedToken, now: Date) => Promise<PublishOutcome>;
  /** Told of each failed attempt. Default: ignored. */
  onFailure?: (failure: OutboxFailure) => void;
  /** Told when a token lands after `attempts` tries (1 when it landed at once). Default: ignored. */
  onPublished?: (landed: { apiKey: string; userId: string; attempts: number }) => void;
  /** Wall clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Waits between attempts; rejects when the signal aborts. Default: a real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The first wait after a failure, in ms. Default 1_000. */
  firstDelayMs?: number;
  /** The longest wait, in ms. Default 60_000. */
  maxDelayMs?: number;
  /** Aborting it is close() without the wait. */
  signal?: AbortSignal;
}

interface Entry {
  controller: AbortController;
  done: Promise<OutboxOutcome>;
}

export function createTokenOutbox(options: TokenOutboxOptions): TokenOutbox {
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? realSleep;
  const firstDelay = options.firstDelayMs ?? 1_000;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const entries = new Map<string, Entry>();
  const closing = new AbortController();
  options.signal?.addEventListener('abort', () => { closing.abort(); }, { once: true });

  async function deliver(token: SavedToken, signal: AbortSignal): Promise<OutboxOutcome> {
    const expiry = tokenKeyExpiry(new Date(token.login_time)).getTime();
    let attempts = 0;
    for (;;) {
      if (signal.aborted) return { outcome: closing.signal.aborted ? 'aborted' : 'superseded', attempts };
      if (!(now() < expiry)) return { outcome: 'expired', attempts };
      attempts += 1;
      try {
        const outcome = await options.publish(token, new Date(now()));
        if (outcome === 'published') tell(options.onPublished, { apiKey: token.api_key, userId: token.user_id, attempts });
        return { outcome, attempts };
      } catch (error) {
        const retryInMs = Math.min(maxDelay, firstDelay * 2 ** (attempts - 1), Math.max(0, expiry - now()));
        tell(options.onFailure, { apiKey: token.api_key, userId: token.user_id, error: asError(error), attempt: attempts, retryInMs });
        await sleep(retryInMs, signal).catch(() => undefined);
      }
    }
  }

  return {
    submit(token) {
      const account = `${token.api_key}:${token.user_id.toUpperCase()}`;
      entries.get(account)?.controller.abort();
      const controller = new AbortController();
      if (closing.signal.aborted) controller.abort();
      const onClose = (): void => { controller.abort(); };
      closing.signal.addEventListener('abort', onClose, { once: true });
      const done = deliver(token, controller.signal).finally(() => {
        closing.signal.removeEventListener('abort', onClose);
        if (entries.get(account)?.done === done) entries.delete(account);
      });
      entries.set(account, { controller, done });
      return done;
    },
    get pending() {
      return entries.size;
    },
    async close() {
      closing.abort();
      await Promise.all([...entries.values()].map((entry) => entry.done));
    },
  };
}

function tell<T>(listener: ((value: T) => void) | undefined, value: T): void {
  try {
    listener?.(value);
  } catch {
    // a listener's failure must not stop the retries
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error('publishing the token failed');
}
