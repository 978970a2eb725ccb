import type { DaemonConfig } from '../../src/config/index.js';
import type { MorningResult } from '../../src/daemon/morning.js';
import type { TradingCalendar } from '../../src/schedule/calendar.js';
import type { CronSchedule } from '../../src/schedule/cron-schedule.js';
import { clockJump, decideCatchUp } from '../../src/schedule/plan.js';
import { zonedDay } from '../../src/schedule/zoned-time.js';
import type { StateStore } from '../../src/state/state-store.js';
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

  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw new Error('aborted');
    this.wall += ms;
    this.mono += ms;
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
  state: () => StateStore;
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
 * The decisions of src/daemon/daemon.ts, on the fake clocks, one trigger at a time: the
 * scheduled trigger checks today's day record; `start` and `clock-jump` ask decideCatchUp;
 * each tick compares the wall clock with the monotonic one (clockJump). node-cron's timer
 * and the tick interval are the only parts left out: the day loop calls `cron()` at the
 * schedule's time and `tick()` when the daemon would next tick. A killed process is dead
 * (not alive) until `start()`.
 */
export class SimulatedDaemon {
  alive = false;
  readonly log: TriggerRecord[] = [];
  #last = { wall: 0, mono: 0 };
  readonly #deps: SimulatedDaemonDeps;

  constructor(deps: SimulatedDaemonDeps) {
    this.#deps = deps;
  }

  /** The process starts (boot, restart, deploy): the catch-up decision. */
  async start(): Promise<TriggerRecord> {
    this.alive = true;
    this.#last = this.#reading();
    return this.#trigger('start');
  }

  /** The process goes away (power off, stop) without a run in progress. */
  stop(): void {
    this.alive = false;
  }

  /** The daemon's tick: a clock jump triggers a catch-up. */
  async tick(): Promise<TriggerRecord | undefined> {
    if (!this.alive) return undefined;
    const current = this.#reading();
    const jump = clockJump(this.#last, current, this.#deps.jumpToleranceMs ?? 60_000);
    this.#last = current;
    return jump ? this.#trigger('clock-jump') : undefined;
  }

  /** node-cron fired. */
  async cron(): Promise<TriggerRecord | undefined> {
    if (!this.alive) return undefined;
    return this.#trigger('scheduled');
  }

  #reading(): { wall: number; mono: number } {
    return { wall: this.#deps.machine.wall, mono: this.#deps.machine.mono };
  }

  async #trigger(kind: string): Promise<TriggerRecord> {
    const { machine, config } = this.#deps;
    const timeZone = config().schedule.timeZone;
    const record: TriggerRecord = { at: machine.wall, day: zonedDay(machine.now(), timeZone), trigger: kind };
    this.log.push(record);
    const current = await this.#deps.state().read();
    if (kind === 'scheduled') {
      const day = zonedDay(machine.now(), timeZone);
      if (current.today?.day === day && current.today.finishedAt) {
        record.skipped = 'this morning\'s run already happened';
        return record;
      }
    } else {
      const decision = decideCatchUp({
        now: machine.now(), schedule: this.#deps.schedule, calendar: this.#deps.calendar, tokenValid: await this.#deps.tokenValid(),
        halted: await this.#deps.stopped(), today: current.today, running: false,
      });
      if (!decision.run) {
        record.skipped = decision.reason;
        return record;
      }
    }
    try {
      record.result = await this.#deps.runMorning(kind);
    } catch (error) {
      if (!(error instanceof ProcessKilled)) throw error;
      record.killed = true;
      this.alive = false;
    }
    return record;
  }
}
