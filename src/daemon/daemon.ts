import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { DaemonConfig } from '../config/index.js';
import { describeUnexpected } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { planBeat, type BeatMark, type BeatPlan, type Trigger } from '../schedule/beat.js';
import type { TradingCalendar } from '../schedule/calendar.js';
import type { CronSchedule } from '../schedule/cron-schedule.js';
import { nextRuns } from '../schedule/plan.js';
import type { MorningRecord } from '../account/record.js';
import type { MorningResult } from './morning.js';
import { SHUTDOWN_BUDGET_MS } from './shutdown-budget.js';

/** The timer the daemon beats with; tests hand in one driven by a fake clock. */
export interface DaemonTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DaemonDeps {
  config: DaemonConfig;
  logger: Logger;
  state: MorningRecord;
  calendar: TradingCalendar;
  schedule: CronSchedule;
  /** One morning's run (with its retries); gets the daemon's stop signal. */
  runMorning: (trigger: Trigger, signal: AbortSignal) => Promise<MorningResult>;
  /** Is a token issued after the last 06:00 IST saved? (No Kite call: the run checks that.) */
  tokenValid: () => Promise<boolean>;
  /** Does the attempt ledger stop the account? */
  stopped: () => Promise<boolean>;
  now?: () => Date;
  /** Monotonic ms (does not move while the machine sleeps or when the clock is set). */
  monotonic?: () => number;
  timers?: DaemonTimers;
  /** The longest time between two beats (heartbeat, clock-jump check). Default 30 s. */
  tickMs?: number;
  /** How far the wall clock may drift from the monotonic one between beats. Default 60 s. */
  jumpToleranceMs?: number;
  /** How long `stop()` waits for a run to wind down (see shutdown-budget.ts). */
  shutdownBudgetMs?: number;
}

export interface DaemonEvents {
  morning: [MorningResult];
  'clock-jump': [{ kind: 'forward' | 'backward'; byMs: number }];
  missed: [{ slots: string[] }];
  skipped: [{ trigger: Trigger; reason: string }];
  error: [unknown];
}

export interface DaemonHandle {
  /** Abandons a run in progress cleanly and resolves when the daemon has stopped. */
  stop(): Promise<void>;
  /** Resolves when the daemon has stopped. */
  promise: Promise<void>;
  events: EventEmitter<DaemonEvents>;
}

const realTimers: DaemonTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * `kite-autologin run`: a timer that beats at each scheduled slot and at least every tickMs;
 * each beat reads the facts, asks planBeat what to do, writes the heartbeat, and starts the
 * morning when told. Holds no browser while idle (the attempts run in a process of their own).
 */
export function startDaemon(deps: DaemonDeps): DaemonHandle {
  const now = deps.now ?? (() => new Date());
  const monotonic = deps.monotonic ?? (() => performance.now());
  const timers = deps.timers ?? realTimers;
  const { config, logger, state } = deps;
  const events = new EventEmitter<DaemonEvents>();
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let timer: unknown;
  let mark: BeatMark | undefined;
  let resolveStopped!: () => void;
  const promise = new Promise<void>((resolve) => { resolveStopped = resolve; });

  // An 'error' event with no listener would throw and end the process: a beat that could not
  // read its state must not kill the daemon (it logs, and the next beat tries again).
  const reportError = (error: unknown): void => {
    if (events.listenerCount('error') > 0) events.emit('error', error);
  };
  const upcoming = (): string[] => nextRuns(deps.schedule, deps.calendar, now(), 3).map((d) => d.toISOString());
  const record = { pid: process.pid, hostname: hostname(), startedAt: now().toISOString() };
  // The beat in flight: stop() waits for it, so it cannot write the record back after.
  let beating: Promise<void> = Promise.resolve();

  const startMorning = (run: NonNullable<BeatPlan['run']>): void => {
    logger.info({ trigger: run.trigger, reason: run.reason }, run.trigger === 'scheduled' ? 'morning run' : 'catching up');
    running = deps.runMorning(run.trigger, controller.signal)
      .then((result) => { events.emit('morning', result); })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        logger.error({ err: describeUnexpected(error) }, 'morning run failed');
        reportError(error);
      })
      .finally(async () => {
        running = undefined;
        await state.update((s) => { s.nextRuns = upcoming(); }).catch(() => undefined);
      });
  };

  const act = (plan: BeatPlan): void => {
    if (plan.jump) {
      logger.warn(plan.jump, 'the clock jumped (sleep, suspend or a clock change): re-checking today');
      events.emit('clock-jump', plan.jump);
    }
    if (plan.missed.length > 0) {
      const slots = plan.missed.map((slot) => slot.toISOString());
      logger.warn({ slots }, 'scheduled runs passed while the daemon could not act on them');
      events.emit('missed', { slots });
    }
    if (plan.skip) {
      logger.info(plan.skip, 'no run');
      events.emit('skipped', plan.skip);
    }
    if (plan.run && !stopping) startMorning(plan.run);
  };

  const beat = async (): Promise<void> => {
    const at = { wall: now().getTime(), mono: monotonic() };
    let wakeInMs = deps.tickMs ?? 30_000;
    try {
      const [current, tokenValid, stopped] = await Promise.all([state.read(), deps.tokenValid(), deps.stopped()]);
      if (stopping) return;
      const plan = planBeat({
        now: at.wall, monotonic: at.mono, previous: mark, schedule: deps.schedule, calendar: deps.calendar,
        today: current.today, tokenValid, stopped, running: running !== undefined,
        tickMs: wakeInMs, toleranceMs: deps.jumpToleranceMs ?? 60_000,
      });
      mark = plan.mark;
      wakeInMs = plan.wakeInMs;
      act(plan);
    } catch (error) {
      // The facts could not be read (the state file, the ledger): no run on a guess; the next beat tries again.
      logger.error({ err: describeUnexpected(error) }, 'could not decide: the state could not be read');
      reportError(error);
    } finally {
      if (!stopping) {
        await state.update((s) => { s.daemon = { ...record, heartbeatAt: now().toISOString() }; s.nextRuns = upcoming(); })
          .catch((error: unknown) => logger.error({ err: describeUnexpected(error) }, 'could not write the heartbeat'));
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have begun during the await above
        if (!stopping) timer = timers.setTimeout(() => { beating = beat(); }, wakeInMs);
      }
    }
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping');
      timers.clearTimeout(timer);
      controller.abort(new Error('daemon stopping'));
      if (running) {
        let timeout: unknown;
        await Promise.race([running, new Promise((r) => { timeout = timers.setTimeout(() => r(undefined), deps.shutdownBudgetMs ?? SHUTDOWN_BUDGET_MS); })]);
        timers.clearTimeout(timeout);
      }
      await beating.catch(() => undefined);
      await state.update((s) => { s.daemon = undefined; }).catch(() => undefined);
      logger.info('stopped');
      resolveStopped();
    })();
    return stopping;
  };

  logger.info({ schedule: config.schedule.cron, timeZone: config.schedule.timeZone, nextRuns: upcoming() }, 'daemon started');
  beating = beat();
  return { stop, promise, events };
}
