import type { DaemonConfig } from '../../src/config/index.js';
import type { MorningResult } from '../../src/daemon/morning.js';
import type { TradingCalendar } from '../../src/schedule/calendar.js';
import type { CronSchedule } from '../../src/schedule/cron-schedule.js';
import { planBeat, type BeatMark } from '../../src/schedule/beat.js';
import { zonedDay } from '../../src/schedule/zoned-time.js';
import type { MorningRecord } from '../../src/account/record.js';
import { ProcessKilled } from './year-kite-model.js';

/**
 * The machine's clocks: the wall clock (what `now()` reads) and a monotonic one. Both move
 * together through `sleep` and idle time; a suspend or a clock change moves the wall clock only.
 */
export class FakeMachine {
  wall: number;
  mono = 0;

  constructor(start: number) {
    this.wall = start;
  }

  readonly now = (): Date => new Date(this.wall);

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(new Error('aborted'));
    this.wall += ms;
    this.mono += ms;
    return Promise.resolve();
  };

  /** Time passes with the machine awake (never backwards: a past instant is "now"). */
  idleUntil(instant: number): void {
    if (instant <= this.wall) return;
    this.mono += instant - this.wall;
    this.wall = instant;
  }

  /** Suspended (lid closed, VM paused): the wall clock moves on, the monotonic one does not. */
  suspendUntil(instant: number): void {
    this.wall = Math.max(this.wall, instant);
  }

  /** Someone (NTP, a person) sets the wall clock. */
  setClock(instant: number): void {
    this.wall = instant;
  }
}

/** What one trigger of the daemon did. */
export interface TriggerRecord {
  at: number;
  day: string;
  trigger: string;
  /** Why no morning ran (the daemon's own skip reasons). */
  skipped?: string;
  result?: MorningResult;
  killed?: boolean;
}

export interface SimulatedDaemonDeps {
  machine: FakeMachine;
  state: () => MorningRecord;
  config: () => DaemonConfig;
  calendar: TradingCalendar;
  schedule: CronSchedule;
  /** runMorning with the real MorningDeps (the attempt is guardedLogin with the Kite model). */
  runMorning: (trigger: string) => Promise<MorningResult>;
  tokenValid: () => Promise<boolean>;
  stopped: () => Promise<boolean>;
  /** daemon.ts's jumpToleranceMs default. */
  jumpToleranceMs?: number;
}

/**
 * src/daemon/daemon.ts on the fake clocks: each beat asks the daemon's own decision
 * (planBeat) with the machine's clocks and the same facts, and runs the morning when told.
 * Only the timer is left out: the day loop beats at the schedule's time (`cron()`) and when
 * the daemon would next wake (`tick()`). A killed process is dead (not alive) until `start()`.
 */
export class SimulatedDaemon {
  alive = false;
  readonly log: TriggerRecord[] = [];
  #mark: BeatMark | undefined;
  readonly #deps: SimulatedDaemonDeps;

  constructor(deps: SimulatedDaemonDeps) {
    this.#deps = deps;
  }

  /** The process starts (boot, restart, deploy): its first beat. */
  async start(): Promise<TriggerRecord | undefined> {
    this.alive = true;
    this.#mark = undefined;
    return this.#beat();
  }

  /** The process goes away (power off, stop) without a run in progress. */
  stop(): void {
    this.alive = false;
  }

  /** A beat between slots: the heartbeat, which sees clock jumps and missed slots. */
  async tick(): Promise<TriggerRecord | undefined> {
    return this.alive ? this.#beat() : undefined;
  }

  /** The beat the timer sets for a scheduled slot. */
  async cron(): Promise<TriggerRecord | undefined> {
    return this.alive ? this.#beat() : undefined;
  }

  async #beat(): Promise<TriggerRecord | undefined> {
    const { machine, config } = this.#deps;
    const current = await this.#deps.state().read();
    const plan = planBeat({
      now: machine.wall, monotonic: machine.mono, previous: this.#mark, schedule: this.#deps.schedule, calendar: this.#deps.calendar,
      today: current.today, tokenValid: await this.#deps.tokenValid(), stopped: await this.#deps.stopped(), running: false,
      tickMs: 30_000, toleranceMs: this.#deps.jumpToleranceMs ?? 60_000,
    });
    this.#mark = plan.mark;
    const decided = plan.run ?? plan.skip;
    if (!decided) return undefined;
    const record: TriggerRecord = { at: machine.wall, day: zonedDay(machine.now(), config().schedule.timeZone), trigger: decided.trigger };
    this.log.push(record);
    if (plan.skip) {
      record.skipped = plan.skip.reason;
      return record;
    }
    try {
      record.result = await this.#deps.runMorning(decided.trigger);
    } catch (error) {
      if (!(error instanceof ProcessKilled)) throw error;
      record.killed = true;
      this.alive = false;
    }
    return record;
  }
}
