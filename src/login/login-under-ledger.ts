import type { LoginConfig } from '../config/index.js';
import { toAutologinError } from '../errors/index.js';
import { withAccountLock } from '../state/account-lock.js';
import type { StateStore } from '../state/state-store.js';
import { istDate } from '../time/ist.js';
import { accountFiles } from './account-files.js';
import { openAccountLedger } from './open-ledger.js';
import { loginOnce, type LoginDeps, type LoginOutcome, type LoginRequest } from './login-once.js';
import { preflight } from './preflight.js';
import { ledgerGate, refusalError } from './submission-gate.js';

export interface LoginUnderLedgerDeps extends Omit<LoginDeps, 'gate' | 'assertLockHeld'> {
  /** The account's state file (day record, last attempt, Kite's clock). */
  state: StateStore;
  /** Which command this is, for the ledger: `login`, `run`, `daemon`. */
  via: string;
  /** How long to wait for another process's login. Default 3 minutes. */
  lockWaitMs?: number;
  /** The login itself, given the gate; default the real one (browser, Kite). The simulated year hands in a model of Kite. */
  perform?: typeof loginOnce;
}

/**
 * One login as every command runs it: the account's lock, then its ledger (the rules may
 * refuse before anything starts), then the preflight checks, then loginOnce, with every
 * submission recorded before it is made. The in-process edge of a login: it rejects only
 * with an AutologinError.
 */
export async function loginUnderLedger(config: LoginConfig, request: LoginRequest, deps: LoginUnderLedgerDeps): Promise<LoginOutcome> {
  try {
    return await underLock(config, request, deps);
  } catch (error) {
    throw toAutologinError(error);
  }
}

async function underLock(config: LoginConfig, request: LoginRequest, deps: LoginUnderLedgerDeps): Promise<LoginOutcome> {
  const now = deps.now ?? (() => new Date());
  const files = accountFiles(config, { apiKey: config.credentials.apiKey, userId: config.credentials.userId });
  return withAccountLock(files.lock, async (lock) => {
    const { ledger, account, prints } = await openAccountLedger(files, config.credentials, now());
    const orphans = await ledger.settleOrphans(now());
    if (orphans > 0) deps.logger.warn({ orphans, file: ledger.path }, 'a submission was sent by a process that died before Kite answered: recorded as unknown, which counts as a rejection');
    const verdict = ledger.judge(istDate(now()), prints, true);
    if (verdict.refusal) throw refusalError(verdict.refusal);
    await preflight({ tokenFile: config.tokenFile, totpSecret: config.credentials.totpSecret, now: now() });
    const gate = ledgerGate({ ledger, account, prints, assertLockHeld: () => lock.assertHeld(), via: deps.via, now, logger: deps.logger });
    let offsetMs: number | undefined;
    try {
      return await (deps.perform ?? loginOnce)(config, request, {
        ...deps, gate, assertLockHeld: () => lock.assertHeld(),
        onKiteClock: (offset) => { offsetMs = offset; deps.onKiteClock?.(offset); },
      });
    } finally {
      if (offsetMs !== undefined) {
        const measured = { offsetMs, measuredAt: now().toISOString() };
        await deps.state.update((s) => { s.kiteClock = measured; })
          .catch(() => deps.logger.warn({ file: deps.state.path }, 'could not record Kite\'s clock offset in the state file'));
      }
    }
  }, { waitMs: deps.lockWaitMs ?? 180_000, ...(deps.signal ? { signal: deps.signal } : {}) });
}
