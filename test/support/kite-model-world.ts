import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMorning, type MorningResult } from '../../src/daemon/morning.js';
import { nextDay, zonedDay } from '../../src/schedule/zoned-time.js';
import { addAccount, morningDepsOf, recordOf, type AccountWorld } from './kite-model-account.js';
import { runEvent } from './kite-model-commands.js';
import { DEADLINE, HistoryContext, SLOT } from './kite-model-context.js';
import type { DayPlan, History } from './kite-model-history.js';
import { filesHomes, type HomeFactory } from './kite-model-homes.js';
import { checkDeadline, snapshotOf } from './kite-model-liveness.js';
import { describeResult, historyReport, type HistoryReport } from './kite-model-report.js';
import { checkAfterStep, probeKeptTokens } from './kite-model-safety.js';
import { dayAfter, ist } from './kite-model-util.js';
import { ProcessKilled } from './year-kite-model.js';

export type { HistoryReport, HistoryStats } from './kite-model-report.js';
export { atFixedTime, totpSecret } from './kite-model-util.js';
export { filesHomes, type HistoryHome, type HomeFactory } from './kite-model-homes.js';

/**
 * Runs one generated history against the real code (daemon's planBeat through
 * SimulatedDaemon, runMorning and its retry policy, loginUnderLedger with its lock, ledger,
 * rules and submission gate, the resume command) with the Kite model (kite-counter-model.ts)
 * in place of the browser and Kite, on a fake clock, in a temp folder. Returns every broken
 * property with what happened. Nothing waits for real time; nothing talks to a network.
 *
 * This file is the run loop: the days, their steps in time order, the daemons' beats and
 * mornings. What people and the machine do is in kite-model-commands.ts, the checks in
 * kite-model-safety.ts and kite-model-liveness.ts, the report in kite-model-report.ts.
 */
export interface RunOptions {
  /** Where the temp folder goes. Default /dev/shm when present (fsync is free there), else the OS temp folder. */
  root?: string;
  /** HOLIDAYS_FILE. Default: the shipped calendar/nse-holidays.json (found next to src/; a compiled copy elsewhere must name it). */
  holidaysFile?: string;
  /** Where the accounts' records live: a home opened for the history and closed after it. Default the files home. */
  home?: HomeFactory;
}

export async function runHistory(history: History, options: RunOptions = {}): Promise<HistoryReport> {
  const root = await mkdtemp(join(options.root ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()), 'kal-props-'));
  try {
    const common = options.holidaysFile === undefined ? {} : { HOLIDAYS_FILE: options.holidaysFile };
    const home = await (options.home ?? filesHomes)();
    try {
      return await new HistoryRun(new HistoryContext(history, root, common, home)).run();
    } finally {
      await home.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

class HistoryRun {
  readonly #ctx: HistoryContext;
  /** LOGIN_CONCURRENCY, shared by every account's daemon: the turn of account `id`. */
  readonly #turn: (id: number) => <R>(task: () => Promise<R>) => Promise<R>;

  constructor(ctx: HistoryContext) {
    this.#ctx = ctx;
    this.#turn = ctx.vt.limiter(ctx.history.concurrency);
  }

  async run(): Promise<HistoryReport> {
    const ctx = this.#ctx;
    for (let index = 0; index < ctx.history.accounts; index += 1) await addAccount(ctx, index, (world, trigger) => this.#daemonMorning(world, trigger));
    await this.#beatAll('start');
    let day = dayAfter('2026-01-01', ctx.history.start);
    for (const plan of ctx.history.days) {
      await this.#runDay(day, plan);
      day = nextDay(day);
    }
    return historyReport(ctx);
  }

  async #runDay(day: string, plan: DayPlan): Promise<void> {
    const ctx = this.#ctx;
    ctx.stats.days += 1;
    if (ctx.calendar.isTradingDay(day)) ctx.stats.tradingMornings += ctx.worlds.length;
    ctx.machine.idleUntil(ist(day, '00:00'));
    const n = ctx.worlds.length;
    ctx.mood = plan.mood ?? {};
    for (const world of ctx.worlds) {
      world.store.arm(plan.ledger.filter((l) => l.account % n === world.index).map((l) => l.fault));
      world.scripts = plan.attempts.filter((a) => a.account % n === world.index).map((a) => a.script);
    }
    type Step = { at: number; order: number; label: string; run: () => Promise<void> };
    const steps: Step[] = [];
    if (ctx.poweredOff) steps.push({ at: ist(day, '05:00'), order: 0, label: 'boot', run: () => this.#boot() });
    plan.events.forEach((e, order) => {
      const world = ctx.worlds[e.account % n] as AccountWorld;
      steps.push({ at: ist(day, e.at), order: 1 + order, label: `${e.event.kind}${'mode' in e.event ? ` --${e.event.mode}` : ''}`, run: () => runEvent(ctx, world, e.event, (kind) => this.#beatAll(kind)) });
    });
    steps.push({ at: ist(day, SLOT), order: 0, label: 'slot', run: () => this.#slot(day) });
    steps.push({ at: ist(day, DEADLINE), order: 0, label: 'deadline', run: () => { checkDeadline(ctx, day); return Promise.resolve(); } });
    steps.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const step of steps) {
      ctx.machine.idleUntil(step.at);
      await step.run();
      await probeKeptTokens(ctx, `${day} ${step.label}`);
      checkAfterStep(ctx, `${day} ${step.label}`);
    }
  }

  async #boot(): Promise<void> {
    this.#ctx.poweredOff = false;
    this.#ctx.note('all', 'the machine boots');
    await this.#beatAll('start');
  }

  /** node-cron's timer at the slot (it fired during a jump forward: the tick after the jump saw it). */
  async #slot(day: string): Promise<void> {
    const ctx = this.#ctx;
    const slot = ist(day, SLOT);
    if (ctx.machine.wall > slot + 1_000) return;
    for (const world of ctx.worlds) {
      const today = (await recordOf(ctx, world).morning.read()).today;
      ctx.slotFacts.set(`${world.index}:${day}`, { alive: world.daemon.alive && !ctx.poweredOff, finishedBefore: today?.day === day && today.finishedAt !== undefined });
    }
    await this.#beatAll('cron');
  }

  /** Every daemon beats together (one process, their mornings side by side); a kill ends them all, and systemd brings them back a minute later. */
  async #beatAll(kind: 'start' | 'tick' | 'cron', restarts = 0): Promise<void> {
    const ctx = this.#ctx;
    if (ctx.poweredOff) return;
    const worlds = kind === 'start' ? ctx.worlds : ctx.worlds.filter((w) => w.daemon.alive);
    if (worlds.length === 0) return;
    const { results, killed } = await ctx.vt.together(worlds.map((w) => ({
      id: w.index, run: () => (kind === 'start' ? w.daemon.start() : kind === 'tick' ? w.daemon.tick() : w.daemon.cron()),
    })));
    let anyKilled = killed;
    results.forEach((result, i) => {
      if (result.status === 'rejected') ctx.unexpected(`daemon beat (${kind}) of account ${worlds[i]?.index ?? '?'}`, result.reason);
      else if (result.value?.killed) anyKilled = true;
    });
    if (!anyKilled) return;
    ctx.stats.kills += 1;
    ctx.log('all', 'the daemon process was killed');
    for (const world of ctx.worlds) world.daemon.stop();
    if (restarts >= 6) return;
    ctx.machine.idleUntil(ctx.machine.wall + 60_000);
    await this.#beatAll('start', restarts + 1);
  }

  /** The daemon's morning: the account as it stood at its start, then runMorning with the daemon's turn. */
  async #daemonMorning(world: AccountWorld, trigger: string): Promise<MorningResult> {
    const ctx = this.#ctx;
    const day = zonedDay(ctx.machine.now(), ctx.schedule.timeZone);
    const key = `${world.index}:${day}`;
    if (!ctx.snapshots.has(key)) ctx.snapshots.set(key, await snapshotOf(ctx, world));
    const before = ctx.kite.savedTokenLive(world.index, world.config.tokenFile);
    try {
      const result = await runMorning(morningDepsOf(ctx, world, 'daemon', this.#turn(world.index)), trigger);
      ctx.log(world.index, `the daemon's morning (${trigger}): ${describeResult(result)}`);
      if (result.kind === 'halted' || (result.kind === 'failed' && ['HALTED', 'ATTEMPT_BUDGET_SPENT'].includes(result.error.code))) ctx.stats.refusals += 1;
      if (before.current && result.kind !== 'closed' && !(result.kind === 'done' && result.outcome.kind === 'still-valid')) {
        ctx.violation(world.index, `the daemon's morning ended ${describeResult(result)} while today's token was valid`);
      }
      return result;
    } catch (error) {
      if (error instanceof ProcessKilled || ctx.vt.killed) throw new ProcessKilled('the process was killed (simulated)');
      throw error;
    }
  }
}
