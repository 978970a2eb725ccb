import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { createTask, type ScheduledTask } from 'node-cron';
import type { DaemonConfig } from '../config/index.js';
import { describeUnexpected } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { TradingCalendar } from '../schedule/calendar.js';
import type { CronSchedule } from '../schedule/cron-schedule.js';
import { clockJump, decideCatchUp, nextRuns } from '../schedule/plan.js';
import { zonedDay } from '../schedule/zoned-time.js';
import type { StateStore } from '../state/state-store.js';
import type { MorningResult } from './morning.js';

export interface DaemonDeps {
  config: DaemonConfig;
  logger: Logger;
  state: StateStore;
  calendar: TradingCalendar;
  schedule: CronSchedule;
  /** One morning's run (with its retries); gets the daemon's stop signal. */
  runMorning: (trigger: string, signal: AbortSignal) => Promise<MorningResult>;
  /** Is a token issued after the last 06:00 IST saved? (No Kite call: the run checks that.) */
  tokenValid: () => Promise<boolean>;
  /** Does the attempt ledger stop the account? */
  stopped: () => Promise<boolean>;
  now?: () => Date;
  /** Monotonic ms (does not move while the machine sleeps or when the clock is set). */
  monotonic?: () => number;
  /** Heartbeat and clock-jump check interval. Default 30 s. */
  tickMs?: number;
  /** How far the wall clock may drift from the monotonic one between ticks. Default 60 s. */
  jumpToleranceMs?: number;
  /** How long `stop()` waits for a run to wind down. Default 20 s. */
  stopTimeoutMs?: number;
}

export interface DaemonEvents {
  morning: [MorningResult];
  'clock-jump': [{ kind: 'forward' | 'backward'; byMs: number }];
  skipped: [{ trigger: string; reason: string }];
  error: [unknown];
}

export interface DaemonHandle {
  /** Abandons a run in progress cleanly and resolves when the daemon has stopped. */
  stop(): Promise<void>;
  /** Resolves when the daemon has stopped. */
  promise: Promise<void>;
  events: EventEmitter<DaemonEvents>;
}

/**
 * `kite-autologin run`: fires at CRON_SCHEDULE in SCHEDULE_TIMEZONE, catches up on start and
 * after a sleep or a clock jump, never runs a finished morning twice, and holds no browser
 * while idle (each morning launches and closes its own).
 */
export function startDaemon(deps: DaemonDeps): DaemonHandle {
  const now = deps.now ?? (() => new Date());
  const monotonic = deps.monotonic ?? (() => performance.now());
  const tickMs = deps.tickMs ?? 30_000;
  const { config, logger, state } = deps;
  const events = new EventEmitter<DaemonEvents>();
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const promise = new Promise<void>((resolve) => { resolveStopped = resolve; });

  const upcoming = (): string[] => nextRuns(deps.schedule, deps.calendar, now(), 3).map((d) => d.toISOString());

  // Set before the first await: two triggers in one tick (start and a clock jump) must not
  // both get past the check and start a morning each.
  let deciding = false;
  const trigger = async (kind: string): Promise<void> => {
    if (stopping) return;
    const skip = (reason: string): void => {
      logger.info({ trigger: kind, reason }, 'no run');
      events.emit('skipped', { trigger: kind, reason });
    };
    if (running || deciding) return skip('a run is in progress');
    deciding = true;
    try {
      const current = await state.read();
      if (kind === 'scheduled') {
        // The clock may go back and the schedule fire twice: one run per morning.
        const day = zonedDay(now(), config.schedule.timeZone);
        if (current.today?.day === day && current.today.finishedAt) return skip('this morning\'s run already happened');
      } else {
        const decision = decideCatchUp({
          now: now(), schedule: deps.schedule, calendar: deps.calendar, tokenValid: await deps.tokenValid(),
          halted: await deps.stopped(), today: current.today, running: false,
        });
        if (!decision.run) return skip(decision.reason);
        logger.info({ trigger: kind, reason: decision.reason }, 'catching up');
      }
      if (stopping) return;
      running = deps.runMorning(kind, controller.signal)
        .then((result) => { events.emit('morning', result); })
        .catch((error: unknown) => {
          if (!controller.signal.aborted) {
            logger.error({ err: describeUnexpected(error) }, 'morning run failed');
            events.emit('error', error);
          }
        })
        .finally(async () => {
          running = undefined;
          await state.update((s) => { s.nextRuns = upcoming(); }).catch(() => undefined);
        });
    } finally {
      deciding = false;
    }
  };
  const fire = (kind: string): void => {
    trigger(kind).catch((error: unknown) => {
      logger.error({ err: describeUnexpected(error) }, 'trigger failed');
    });
  };

  const task: ScheduledTask = createTask(config.schedule.cron, () => fire('scheduled'), {
    timezone: config.schedule.timeZone, name: 'kite-autologin', noOverlap: true,
  });

  let last = { wall: now().getTime(), mono: monotonic() };
  const record = { pid: process.pid, hostname: hostname(), startedAt: now().toISOString() };
  // The last heartbeat in flight: stop() waits for it, so it cannot write the record back after.
  let beating: Promise<unknown> = Promise.resolve();
  const heartbeat = (): Promise<unknown> => (beating = state.update((s) => { s.daemon = { ...record, heartbeatAt: now().toISOString() }; s.nextRuns = upcoming(); }));
  const tick = (): void => {
    const current = { wall: now().getTime(), mono: monotonic() };
    const jump = clockJump(last, current, deps.jumpToleranceMs ?? 60_000);
    last = current;
    heartbeat().catch(() => undefined);
    if (jump) {
      logger.warn(jump, 'the clock jumped (sleep, suspend or a clock change): re-checking today');
      events.emit('clock-jump', jump);
      fire('clock-jump');
    }
  };
  const timer = setInterval(tick, tickMs);

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping');
      clearInterval(timer);
      await task.destroy();
      controller.abort(new Error('daemon stopping'));
      if (running) {
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([running, new Promise((r) => { timeout = setTimeout(r, deps.stopTimeoutMs ?? 20_000); })]);
        clearTimeout(timeout);
      }
      await beating.catch(() => undefined);
      await state.update((s) => { s.daemon = undefined; }).catch(() => undefined);
      logger.info('stopped');
      resolveStopped();
    })();
    return stopping;
  };

  void (async () => {
    await heartbeat();
    logger.info({ schedule: config.schedule.cron, timeZone: config.schedule.timeZone, nextRuns: upcoming() }, 'daemon started');
    await task.start();
    fire('start');
  })().catch((error: unknown) => {
    logger.error({ err: describeUnexpected(error) }, 'daemon failed to start');
    void stop();
  });

  return { stop, promise, events };
}
