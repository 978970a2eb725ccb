import type { RecordHome } from '../../src/account/record.js';
import { describeUnexpected } from '../../src/errors/index.js';
import { createLogger } from '../../src/logger.js';
import type { TradingCalendar } from '../../src/schedule/calendar.js';
import type { CronSchedule } from '../../src/schedule/cron-schedule.js';
import { formatIst } from '../../src/time/ist.js';
import { calendarFor, scheduleFor } from '../../src/wiring/from-config.js';
import type { AccountWorld } from './kite-model-account.js';
import { KiteCounterModel } from './kite-counter-model.js';
import type { AttemptScript } from './kite-model-faults.js';
import type { History } from './kite-model-history.js';
import type { HistoryHome } from './kite-model-homes.js';
import { emptyStats, type HistoryStats } from './kite-model-report.js';
import { VirtualTime } from './kite-model-scheduler.js';
import { dayAfter, ist, mulberry32 } from './kite-model-util.js';
import { testDaemonConfig } from './daemon-config.js';
import { FakeMachine } from './year-daemon.js';

/*
 * What one history's run shares while it runs: the machine's clocks, the Kite model, the
 * accounts, the calendar and schedule, the record home (files or PostgreSQL), and what happened
 * so far (what people and the machine did, what the code did, the properties seen broken).
 */

export const SLOT = '07:30';
export const DEADLINE = '09:00';
/** Liveness asks a token by the deadline only of a morning that started this long before it. */
export const MORNING_MIN_MS = 30 * 60_000;
/** The model's own limits, the rules' numbers (kept apart on purpose: a broken RULES must not move them). */
export const ALLOWED = { password: 3, totp: 2 } as const;

/** How an account stood when its daemon's morning began. */
export interface Snapshot {
  at: number;
  /** Nothing since the last resume gives the rules a reason to stop the account or spend its budget (KiteUser.dirty). */
  clean: boolean;
  credentialsRight: boolean;
  blocked: boolean;
  stop: string | undefined;
  left: { password: number; totp: number };
  failedWindow: number | undefined;
  skewMs: number;
}

/** `disturbs`: a person or the machine acted (liveness is not asked of that morning); else a record of what the code did. */
export interface Happening { at: number; account: number | 'all'; what: string; disturbs: boolean }

export class HistoryContext {
  readonly history: History;
  /** The history's temp folder: each account's STATE_DIR and token file are under it. */
  readonly root: string;
  /** Configuration every account shares (HOLIDAYS_FILE). */
  readonly common: Record<string, string>;
  /** Where the accounts' records live for this history (files or PostgreSQL). */
  readonly historyHome: HistoryHome;
  readonly home: RecordHome;
  readonly machine: FakeMachine;
  readonly vt: VirtualTime;
  readonly kite: KiteCounterModel;
  readonly worlds: AccountWorld[] = [];
  readonly calendar: TradingCalendar;
  readonly schedule: CronSchedule;
  readonly logger = createLogger('silent');
  /** The retry policy's jitter. */
  readonly random: () => number;
  readonly violations: string[] = [];
  /** Lines for the story beyond what happened (why liveness was not asked). */
  readonly trace: string[] = [];
  readonly happenings: Happening[] = [];
  /** How each account stood when its daemon's morning began (`account:day`). */
  readonly snapshots = new Map<string, Snapshot>();
  /** Whether each account's daemon was alive at the slot, and today's run finished before it (`account:day`). */
  readonly slotFacts = new Map<string, { alive: boolean; finishedBefore: boolean }>();
  readonly stats: HistoryStats = emptyStats();
  /** Accounts whose pessimistic count is at 5 or more (reported once until it drops). */
  readonly overFive = new Set<number>();
  /** The machine's clock minus Kite's (the true time). */
  skewMs: number;
  poweredOff = false;
  /** Versions of passwords and TOTP secrets made so far (each change makes a new one). */
  versions = 0;
  /** Today's faults for every attempt (DayPlan.mood). */
  mood: AttemptScript = {};

  constructor(history: History, root: string, common: Record<string, string>, historyHome: HistoryHome) {
    this.history = history;
    this.root = root;
    this.common = common;
    this.historyHome = historyHome;
    this.home = historyHome.home;
    this.skewMs = history.skewSeconds * 1000;
    this.machine = new FakeMachine(ist(dayAfter('2026-01-01', history.start), '05:00'));
    this.vt = new VirtualTime(this.machine);
    this.random = mulberry32(history.jitterSeed);
    this.kite = new KiteCounterModel({
      machine: this.machine, vt: this.vt, kiteNow: () => this.machine.wall - this.skewMs,
      scriptFor: (account) => ({ ...this.mood, ...this.worlds[account]?.scripts.shift() }),
    });
    const base = testDaemonConfig(root, common);
    this.calendar = calendarFor(base);
    this.schedule = scheduleFor(base);
  }

  violation(account: number, what: string): void {
    this.violations.push(`${formatIst(this.machine.now()).slice(0, 19)} IST account ${account}: ${what}`);
  }

  unexpected(what: string, error: unknown): void {
    this.violations.push(`${formatIst(this.machine.now()).slice(0, 19)} IST: ${what} threw something that is not an AutologinError: ${describeUnexpected(error)}${error instanceof Error && error.stack ? `\n${error.stack.split('\n').slice(0, 6).join('\n')}` : ''}`);
  }

  /** Something a person or the machine did. */
  note(account: number | 'all', what: string): void {
    this.happenings.push({ at: this.machine.wall, account, what, disturbs: true });
  }

  /** Something the code under test did (for the trace only). */
  log(account: number | 'all', what: string): void {
    this.happenings.push({ at: this.machine.wall, account, what, disturbs: false });
  }
}
