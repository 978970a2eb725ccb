import type { AccountRecord } from '../account/record.js';
import type { LoginConfig } from '../config/index.js';
import { toAutologinError } from '../errors/index.js';
import { attemptDeadline } from '../kite/attempt-deadline.js';
import { DEFAULT_LOCK_WAIT_MS } from '../state/lock-staleness.js';
import { keepSavedToken, loginOnce, type LoginDeps, type LoginOutcome, type LoginRequest } from './login-once.js';
import { preflight } from './preflight.js';
import { ledgerGate, refusalError } from './submission-gate.js';

export interface LoginUnderLedgerDeps extends Omit<LoginDeps, 'gate' | 'assertLockHeld' | 'confirmLockHeld' | 'recordToken' | 'keptToken'> {
  /** Which command this is, for the ledger: `login`, `run`, `daemon`. */
  via: string;
  /** How long to wait for another process's login. Default 3 minutes. */
  lockWaitMs?: number;
  /** The login itself, given the gate; default the real one (browser, Kite). Property tests hand in a model of Kite. */
  perform?: typeof loginOnce;
}

/**
 * One login as every command runs it, on the account's record (files or PostgreSQL, chosen
 * once by the caller): hold the account; today's saved token is the answer when Kite still
 * accepts it (before any rule is read: nothing is sent); else the ledger (the rules may refuse
 * before anything starts), the preflight checks, and loginOnce, with every submission recorded
 * before it is made, all within the attempt's one deadline; the new token kept in the record,
 * then announced (Redis) when that is configured. The in-process edge of a login: it rejects
 * only with an AutologinError.
 */
export async function loginUnderLedger(config: LoginConfig, record: AccountRecord, request: LoginRequest, deps: LoginUnderLedgerDeps): Promise<LoginOutcome> {
  const now = deps.now ?? (() => new Date());
  try {
    const outcome = await record.hold(async (held) => {
      if (!request.force && !request.dryRun) {
        const kept = await keepSavedToken(config, { ...deps, keptToken: () => record.readToken(), recordToken: (token) => held.saveToken(token) });
        if (kept) return kept;
      }
      // One deadline for the whole attempt: a page that locks up cannot hold the lock or the turn past it.
      const deadline = attemptDeadline(config.stepTimeoutMs, deps.signal);
      let offsetMs: number | undefined;
      try {
        const credentials = config.credentials;
        const { ledger, prints } = await held.openLedger({ password: credentials.password, totpSecret: credentials.totpSecret }, now());
        ledger.writeBoundMs = Math.min(ledger.writeBoundMs, config.stepTimeoutMs);
        const orphans = await ledger.settleOrphans(now());
        if (orphans > 0) deps.logger.warn({ orphans, ledger: ledger.path }, 'a submission was sent by a process that died before Kite answered: recorded as unknown, which counts as a rejection');
        const { stop } = ledger.judge(prints, true);
        if (stop) throw refusalError(stop);
        await preflight({ tokenFile: config.tokenFile, totpSecret: credentials.totpSecret, now: now() });
        const gate = ledgerGate({ ledger, account: record.account, prints, assertLockHeld: () => { held.assertHeld(); }, confirmHeld: () => held.confirmHeld(), via: deps.via, now, logger: deps.logger });
        return await (deps.perform ?? loginOnce)(config, { ...request, tokenChecked: true }, {
          ...deps, gate, signal: deadline.signal, onWait: (ms) => { deadline.extendBy(ms); },
          assertLockHeld: () => { held.assertHeld(); },
          confirmLockHeld: () => held.confirmHeld(),
          recordToken: (token) => held.saveToken(token),
          onKiteClock: (offset) => { offsetMs = offset; deps.onKiteClock?.(offset); },
        });
      } finally {
        deadline.dispose();
        if (offsetMs !== undefined) {
          const measured = { offsetMs, measuredAt: now().toISOString() };
          await record.morning.update((s) => { s.kiteClock = measured; })
            .catch(() => deps.logger.warn({ record: record.morning.place }, 'could not record Kite\'s clock offset'));
        }
      }
    }, { waitMs: deps.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, signal: deps.signal });
    return await announced(record, outcome, deps);
  } catch (error) {
    throw toAutologinError(error);
  }
}

/**
 * The record first, then the programs that listen: a token kept, or a new one, is announced
 * (Redis) when that is configured; one that does not land is reported, not thrown (the login
 * itself succeeded, and repeating it would end the session just saved), and retried from the
 * record by the next run or beat.
 */
async function announced(record: AccountRecord, outcome: LoginOutcome, deps: LoginUnderLedgerDeps): Promise<LoginOutcome> {
  if (outcome.kind === 'dry-run') return outcome;
  const report = await record.announce(outcome.token);
  if (!report.configured) return outcome;
  deps.onPhase?.({ phase: 'redis-copy', detail: { landed: report.landed } });
  if (!report.landed) deps.logger.error({ attempts: report.attempts, reason: report.message }, 'the token is saved, but Redis did not get it; retried from the record');
  return { ...outcome, copy: { landed: report.landed, attempts: report.attempts, ...(report.message === undefined ? {} : { message: report.message }) } };
}
