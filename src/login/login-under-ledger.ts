import type { LoginConfig } from '../config/index.js';
import { toAutologinError } from '../errors/index.js';
import { tokenKey } from '../redis/keys.js';
import { readToken } from '../redis/token-channel.js';
import { DEFAULT_LOCK_WAIT_MS } from '../state/lock-staleness.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { StateStore } from '../state/state-store.js';
import { accountFiles } from './account-files.js';
import { ledgerStoreFor, withAccountLockFor } from './account-stores.js';
import { connectRedis, publishWithin, type LoginRedis } from './login-redis.js';
import { openAccountLedger } from './open-ledger.js';
import { attemptDeadline } from '../kite/attempt-deadline.js';
import { keepSavedToken, loginOnce, type LoginDeps, type LoginOutcome, type LoginRequest } from './login-once.js';
import { preflight } from './preflight.js';
import { ledgerGate, refusalError } from './submission-gate.js';

export interface LoginUnderLedgerDeps extends Omit<LoginDeps, 'gate' | 'assertLockHeld' | 'confirmLockHeld' | 'sharedToken'> {
  /** The account's state file (day record, last attempt, Kite's clock). */
  state: StateStore;
  /** Which command this is, for the ledger: `login`, `run`, `daemon`. */
  via: string;
  /** How long to wait for another process's login. Default 3 minutes. */
  lockWaitMs?: number;
  /** The login itself, given the gate; default the real one (browser, Kite). The simulated year hands in a model of Kite. */
  perform?: typeof loginOnce;
  /**
   * Redis, when REDIS_URL is set (config.redis): the account's lock and ledger live there, the
   * token check reads the token there too, and each token is copied there after the file is
   * written. Default: a connection of this login's own, closed when it ends.
   */
  redis?: LoginRedis;
  /**
   * Where the account's attempt ledger lives. Default: the one `ledgerStoreFor` picks (the
   * ledger file in STATE_DIR, or Redis's key). Tests hand in a store that fails or lands
   * writes late; it must keep the default's `path` (a different path reads as Redis's).
   */
  ledgerStore?: LedgerStore;
}

/**
 * One login as every command runs it: the account's lock; today's saved token, which is the
 * answer when Kite still accepts it (before any rule is read: nothing is sent); then its
 * ledger (the rules may refuse before anything starts), the preflight checks, and loginOnce,
 * with every submission recorded before it is made, all within the attempt's one deadline;
 * with REDIS_URL, the token copied to Redis last (still under the lock, so that another host
 * taking it next finds the token there). The in-process edge of a login: it rejects only with
 * an AutologinError.
 */
export async function loginUnderLedger(config: LoginConfig, request: LoginRequest, deps: LoginUnderLedgerDeps): Promise<LoginOutcome> {
  let owned: LoginRedis | undefined;
  try {
    if (deps.redis === undefined && config.redis !== undefined) owned = { client: connectRedis(config.redis, deps.logger) };
    return await underLock(config, request, deps, deps.redis ?? owned);
  } catch (error) {
    throw toAutologinError(error);
  } finally {
    await owned?.client.close();
  }
}

async function underLock(config: LoginConfig, request: LoginRequest, deps: LoginUnderLedgerDeps, redis: LoginRedis | undefined): Promise<LoginOutcome> {
  const now = deps.now ?? (() => new Date());
  const account = { apiKey: config.credentials.apiKey, userId: config.credentials.userId };
  const files = accountFiles(config, account);
  const store = deps.ledgerStore ?? ledgerStoreFor(config, account, redis?.client);
  const sharedToken = redis ? { sharedToken: () => readToken(redis.client, account.apiKey, account.userId, now()) } : {};
  return withAccountLockFor(config, account, redis?.client, async (lock) => {
    if (!request.force && !request.dryRun) {
      const kept = await keepSavedToken(config, { ...deps, ...sharedToken });
      if (kept) return redis ? withCopyInRedis(config, redis, kept, deps) : kept;
    }
    // One deadline for the whole attempt: a page that locks up cannot hold the lock or the turn past it.
    const deadline = attemptDeadline(config.stepTimeoutMs, deps.signal);
    let offsetMs: number | undefined;
    let outcome: LoginOutcome;
    try {
      const { ledger, prints } = await openAccountLedger(files, config.credentials, now(), store);
      ledger.writeBoundMs = Math.min(ledger.writeBoundMs, config.stepTimeoutMs);
      const orphans = await ledger.settleOrphans(now());
      if (orphans > 0) deps.logger.warn({ orphans, file: ledger.path }, 'a submission was sent by a process that died before Kite answered: recorded as unknown, which counts as a rejection');
      const { stop } = ledger.judge(prints, true);
      if (stop) throw refusalError(stop);
      await preflight({ tokenFile: config.tokenFile, totpSecret: config.credentials.totpSecret, now: now() });
      const gate = ledgerGate({ ledger, account, prints, assertLockHeld: () => lock.assertHeld(), via: deps.via, now, logger: deps.logger });
      outcome = await (deps.perform ?? loginOnce)(config, { ...request, tokenChecked: true }, {
        ...deps, ...sharedToken, gate, assertLockHeld: () => lock.assertHeld(), signal: deadline.signal, onWait: (ms) => deadline.extendBy(ms),
        ...(lock.confirmHeld ? { confirmLockHeld: () => lock.confirmHeld?.() ?? Promise.resolve() } : {}),
        onKiteClock: (offset) => { offsetMs = offset; deps.onKiteClock?.(offset); },
      });
    } finally {
      deadline.dispose();
      if (offsetMs !== undefined) {
        const measured = { offsetMs, measuredAt: now().toISOString() };
        await deps.state.update((s) => { s.kiteClock = measured; })
          .catch(() => deps.logger.warn({ file: deps.state.path }, 'could not record Kite\'s clock offset in the state file'));
      }
    }
    return redis ? withCopyInRedis(config, redis, outcome, deps) : outcome;
  }, { waitMs: deps.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, ...(deps.signal ? { signal: deps.signal } : {}) });
}

/**
 * File first, then Redis: the token is saved; now the copy. A kept token is copied too when
 * Redis does not hold it (a copy that failed earlier lands on the next run). A copy that has
 * not landed within the wait is logged and handed to onPublishFailed, and the login still
 * succeeds: the token is in the file, and another login would end its session.
 */
async function withCopyInRedis(config: LoginConfig, redis: LoginRedis, outcome: LoginOutcome, deps: LoginUnderLedgerDeps): Promise<LoginOutcome> {
  if (outcome.kind === 'dry-run') return outcome;
  const { token } = outcome;
  const now = deps.now ?? (() => new Date());
  if (outcome.kind === 'still-valid') {
    const there = await readToken(redis.client, token.api_key, token.user_id, now()).catch(() => undefined);
    if (there?.access_token === token.access_token) return { ...outcome, copy: { landed: true, attempts: 0 } };
  }
  const copy = await publishWithin(redis.client, token, redis.publishWaitMs ?? config.stepTimeoutMs, deps.logger, deps.signal);
  deps.onPhase?.({ phase: 'redis-copy', detail: { landed: copy.landed, key: tokenKey(token.api_key, token.user_id) } });
  if (!copy.landed) {
    deps.logger.error({ attempts: copy.attempts, tokenFile: config.tokenFile, reason: copy.message }, 'the token is in the token file, but Redis did not get it');
    await redis.onPublishFailed?.({ token, message: copy.message, attempts: copy.attempts }).catch(() => undefined);
  }
  return { ...outcome, copy };
}
