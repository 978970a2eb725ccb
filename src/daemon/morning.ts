import type { DaemonConfig } from '../config/index.js';
import { AbortedError, describeUnexpected, isAutologinError, type AutologinError, type ErrorCode } from '../errors/index.js';
import { isAccountStopped, isTotpFailure } from '../ledger/stop-codes.js';
import type { Logger } from '../logger.js';
import { attemptHungNotice, failureNotice, stillHaltedNotice, successNotice } from '../notify/notice.js';
import type { Notifier } from '../notify/notifier.js';
import type { TradingCalendar } from '../schedule/calendar.js';
import { deadlineOn } from '../schedule/plan.js';
import { decideRetry } from '../schedule/retry-policy.js';
import { zonedDay } from '../schedule/zoned-time.js';
import type { MorningRecord } from '../account/record.js';
import { diagnosticsOf, type AttemptOutcome } from './attempt-protocol.js';

export interface MorningDeps {
  config: DaemonConfig;
  logger: Logger;
  notifier: Notifier;
  state: MorningRecord;
  calendar: TradingCalendar;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  signal: AbortSignal;
  /**
   * One login attempt (fresh browser, fresh TOTP), under the account's lock and its ledger's
   * rules. Rejects only with an AutologinError (converted where the login ran).
   */
  attempt: () => Promise<AttemptOutcome>;
  /**
   * Waits for an attempt's turn among the accounts' (LOGIN_CONCURRENCY) and runs it. Each
   * attempt takes a turn of its own: a morning waiting to retry holds none. Default: no wait.
   */
  turn?: (<R>(task: () => Promise<R>) => Promise<R>) | undefined;
  /** The ledger's stop on the account, if any (read after a failure: it decides what the alert says). */
  accountStop: () => Promise<{ code: ErrorCode; since: string; advice?: string | undefined } | undefined>;
  /** How alerts name the account (`Mother (CD5678)`). Default: its user id. */
  account?: string | undefined;
}

export type MorningResult =
  | { kind: 'closed'; day: string; reason: string }
  | { kind: 'halted'; day: string; error: AutologinError }
  | { kind: 'done'; day: string; outcome: AttemptOutcome; attempts: number }
  | { kind: 'failed'; day: string; error: AutologinError; attempts: number; halted: boolean };

/**
 * One trading morning: keep today's token if Kite accepts it, else log in, retrying what a
 * retry can fix until the deadline, and tell someone when it could not. `trigger` is logged.
 */
export async function runMorning(deps: MorningDeps, trigger: string): Promise<MorningResult> {
  const { config, logger, state } = deps;
  const started = deps.now();
  const day = zonedDay(started, config.schedule.timeZone);
  const log = logger.child({ morning: day, trigger });
  if (!deps.calendar.isTradingDay(day)) {
    const reason = `${day} is ${deps.calendar.closedBecause(day) ?? 'closed'}: the market is closed`;
    log.info({ reason }, 'not a trading day; not logging in');
    return { kind: 'closed', day, reason };
  }

  const deadline = deadlineOn(day, config.schedule.deadline, config.schedule.timeZone);
  if (started.getTime() > deadline.getTime()) log.warn({ deadline: deadline.toISOString() }, 'starting after the retry deadline: one attempt only');

  const counts = { attempts: 0, totpRejections: 0, pagesUnrecognised: 0 };
  for (;;) {
    counts.attempts += 1;
    const attempt = { began: false };
    try {
      const outcome = await takeTurn(deps, async () => {
        // Today's run is recorded as started when its first attempt starts, not while it waits
        // for a turn: a stop in the queue is no interruption (MAX_INTERRUPTIONS counts those
        // that died during an attempt, the crash loop it guards against).
        if (counts.attempts === 1) await recordStart(state, day, deps.now());
        attempt.began = true;
        return deps.attempt();
      });
      await finish(deps, day, trigger, counts.attempts, outcome);
      return { kind: 'done', day, outcome, attempts: counts.attempts };
    } catch (error) {
      // Stopped in the queue, or today's run could not be recorded: no attempt was made, nothing to retry.
      if (!attempt.began) throw error;
      // Typed where the login ran (its process's boundary, or loginUnderLedger): anything else is a bug, not a failed login.
      if (!isAutologinError(error)) throw error;
      if (error instanceof AbortedError) throw error; // shutting down: today's run stays unfinished
      if (isAccountStopped(error.code) && counts.attempts === 1) return stillHalted(deps, day, trigger, started, error);
      if (isTotpFailure(error)) counts.totpRejections += 1;
      if (error.code === 'PAGE_UNRECOGNISED') counts.pagesUnrecognised += 1;
      const decision = decideRetry(error, counts, deps.now(), deadline, deps.random, config.schedule.backoffBaseMs);
      log.warn({ err: error.toJSON(), attempt: counts.attempts, decision }, 'login attempt failed');
      if (error.code === 'ATTEMPT_TIMEOUT') await reportHung(deps, day, error, decision.retry);
      if (decision.retry) {
        await state.update((s) => { s.lastAttempt = attemptRecord(deps, day, trigger, counts.attempts, error); });
        try {
          await deps.sleep(decision.delayMs, deps.signal);
        } catch {
          throw new AbortedError('Stopped while waiting to retry.');
        }
        continue;
      }
      const stop = await deps.accountStop().catch(() => undefined);
      const halted = stop !== undefined;
      const kiteClockOffsetMs = (await state.read().catch(() => undefined))?.kiteClock?.offsetMs;
      await state.update((s) => {
        s.lastAttempt = attemptRecord(deps, day, trigger, counts.attempts, error);
        if (s.today?.day === day) s.today.finishedAt = deps.now().toISOString();
      }).catch((recordError: unknown) => log.error({ err: describeUnexpected(recordError) }, 'could not record the failed morning'));
      await deps.notifier.notify(failureNotice({
        userId: deps.account ?? config.credentials.userId, day, at: deps.now().toISOString(), code: error.code, step: error.step,
        message: error.message, attempts: counts.attempts, halted, diagnostics: diagnosticsOf(error), kiteClockOffsetMs,
      }));
      await deps.notifier.heartbeat(false, day);
      return { kind: 'failed', day, error, attempts: counts.attempts, halted };
    }
  }
}

/** The task in the attempt's turn; a stop that came while it waited ends the morning there. */
async function takeTurn<R>(deps: MorningDeps, task: () => Promise<R>): Promise<R> {
  const inTurn = (): Promise<R> => (deps.signal.aborted ? Promise.reject(new AbortedError('Stopped before the attempt\'s turn came.')) : task());
  return deps.turn ? deps.turn(inTurn) : task();
}

/** Today's run starts; one that started and never finished (the process died) was interrupted once more. */
async function recordStart(state: MorningRecord, day: string, at: Date): Promise<void> {
  await state.update((s) => {
    const resumed = s.today?.day === day && !s.today.finishedAt;
    s.today = { day, startedAt: at.toISOString(), interruptions: resumed ? (s.today?.interruptions ?? 0) + 1 : 0 };
  });
}

/** The account was already stopped before this morning: say so, try nothing. */
async function stillHalted(deps: MorningDeps, day: string, trigger: string, started: Date, error: AutologinError): Promise<MorningResult> {
  const stop = await deps.accountStop().catch(() => undefined);
  deps.logger.error({ morning: day, code: stop?.code, since: stop?.since }, 'stopped after a rejection; not logging in');
  await deps.state.update((s) => {
    s.lastAttempt = { at: started.toISOString(), day, trigger, result: 'halted', attempts: 0, code: stop?.code ?? error.code, message: error.message };
    if (s.today?.day === day) s.today.finishedAt = deps.now().toISOString();
  });
  await deps.notifier.notify(stillHaltedNotice({ userId: deps.account ?? deps.config.credentials.userId, day, at: started.toISOString(), code: stop?.code ?? error.code, since: stop?.since ?? '', advice: stop?.advice }));
  await deps.notifier.heartbeat(false, day);
  return { kind: 'halted', day, error };
}

/**
 * An attempt hung past its deadline and was abandoned (its browser context closed, its lock
 * and turn released): told at once, even when the morning retries, and kept in the state file
 * (`health` is unhealthy, `status` shows it) until a login succeeds.
 */
async function reportHung(deps: MorningDeps, day: string, error: AutologinError, retrying: boolean): Promise<void> {
  const at = deps.now().toISOString();
  await deps.state.update((s) => { s.hung = { at, step: error.step, message: error.message }; })
    .catch((recordError: unknown) => deps.logger.error({ err: describeUnexpected(recordError) }, 'could not record the hung attempt'));
  await deps.notifier.notify(attemptHungNotice({ userId: deps.account ?? deps.config.credentials.userId, day, at, step: error.step, message: error.message, retrying }));
}

async function finish(deps: MorningDeps, day: string, trigger: string, attempts: number, outcome: AttemptOutcome): Promise<void> {
  const at = deps.now().toISOString();
  await deps.state.update((s) => {
    s.lastAttempt = { at, day, trigger, result: outcome.kind === 'logged-in' ? 'logged-in' : 'still-valid', attempts };
    if (s.today?.day === day) s.today.finishedAt = at;
    s.hung = undefined;
  });
  deps.logger.info({ morning: day, result: outcome.kind, attempts }, 'morning done: a valid token is saved');
  await deps.notifier.heartbeat(true, day);
  if (deps.config.notify.onSuccess && outcome.kind !== 'dry-run') {
    const kiteClockOffsetMs = (await deps.state.read().catch(() => undefined))?.kiteClock?.offsetMs;
    await deps.notifier.notify(successNotice({ userId: deps.account ?? deps.config.credentials.userId, day, at, expiresAt: outcome.expiresAt ?? 'unknown', attempts, kiteClockOffsetMs }));
  }
}

function attemptRecord(deps: MorningDeps, day: string, trigger: string, attempts: number, error: AutologinError) {
  return {
    at: deps.now().toISOString(), day, trigger, result: 'failed' as const, attempts,
    code: error.code, step: error.step, message: error.message,
    diagnostics: diagnosticsOf(error).length > 0 ? diagnosticsOf(error) : undefined,
  };
}
