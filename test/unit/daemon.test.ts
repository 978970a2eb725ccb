import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../src/config/index.js';
import { startDaemon, type DaemonDeps, type DaemonHandle, type DaemonTimers } from '../../src/daemon/daemon.js';
import type { MorningResult } from '../../src/daemon/morning.js';
import { calendarFor, scheduleFor } from '../../src/wiring/from-config.js';
import { SHUTDOWN_BUDGET_MS } from '../../src/daemon/shutdown-budget.js';
import { createLogger } from '../../src/logger.js';
import type { Trigger } from '../../src/schedule/beat.js';
import { StateStore } from '../../src/account/files/state-file.js';
import { testDaemonConfig } from '../support/daemon-config.js';

const ist = (text: string): number => Date.parse(`${text}+05:30`);

/**
 * One fake machine for everything the daemon reads: the wall clock, the monotonic clock and
 * the timers (which, like Node's, run on the monotonic clock). `advance` is time passing
 * awake; `suspend` moves the wall clock only (the machine slept); `setWall` is someone setting
 * the clock; `stall` is time passing while the event loop is blocked (timers fire late).
 */
class FakeMachine implements DaemonTimers {
  wall: number;
  mono = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  constructor(wall: number) { this.wall = wall; }
  now = (): Date => new Date(this.wall);
  monotonic = (): number => this.mono;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.mono + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void { this.#timers.delete(handle as number); }
  /** Moves both clocks to each due timer in turn and fires it. */
  advance(ms: number): void {
    const until = this.mono + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      if (due[1].at > this.mono) {
        this.wall += due[1].at - this.mono;
        this.mono = due[1].at;
      }
      due[1].fn();
    }
    this.wall += until - this.mono;
    this.mono = until;
  }
  suspend(ms: number): void { this.wall += ms; this.fireDue(); }
  setWall(wall: number): void { this.wall = wall; }
  stall(ms: number): void { this.wall += ms; this.mono += ms; }
  /** Fires the timers due now (after a stall or a suspend). */
  fireDue(): void { this.advance(0); }
  get pending(): number { return this.#timers.size; }
  /**
   * Time passing awake up to `ms` from now, beat by beat: fires the next timer, waits for the
   * daemon to set its next one (a beat reads files, so it ends on a later turn), and so on.
   */
  async pass(ms: number): Promise<void> {
    const until = this.mono + ms;
    for (;;) {
      await expect.poll(() => this.pending).toBe(1);
      const next = Math.min(...[...this.#timers.values()].map((t) => t.at));
      if (next > until) break;
      this.advance(next - this.mono);
    }
    this.advance(until - this.mono);
  }
}

describe('daemon (one fake clock drives the timer, the wall clock and the monotonic clock)', () => {
  let dir: string;
  let config: DaemonConfig;
  let state: StateStore;
  let machine: FakeMachine;
  let calls: { trigger: Trigger; at: string }[];
  let daemons: DaemonHandle[];

  /** A morning that records its trigger and finishes the day. */
  const finishing = async (trigger: Trigger): Promise<MorningResult> => {
    const at = machine.now().toISOString();
    calls.push({ trigger, at });
    await state.update((s) => { s.today = { day: at.slice(0, 10), startedAt: at, finishedAt: at, interruptions: 0 }; });
    return { kind: 'closed', day: at.slice(0, 10), reason: 'stub' };
  };

  const start = (over: Partial<DaemonDeps> = {}): DaemonHandle => {
    const handle = startDaemon({
      config, state, logger: createLogger('silent'),
      calendar: calendarFor(config), schedule: scheduleFor(config),
      runMorning: finishing, tokenValid: () => Promise.resolve(false), stopped: () => Promise.resolve(false),
      now: machine.now, monotonic: machine.monotonic, timers: machine, tickMs: 30_000,
      ...over,
    });
    daemons.push(handle);
    return handle;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-daemon-'));
    config = testDaemonConfig(dir, { CRON_SCHEDULE: '30 7 * * 1-5' });
    state = new StateStore(join(dir, 'state.json'));
    calls = [];
    daemons = [];
  });
  afterEach(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('catches up at start when today\'s time has passed, and a restart does not run the morning again', async () => {
    machine = new FakeMachine(ist('2026-11-23T08:10:00'));
    const first = start();
    await once(first.events, 'morning');
    expect(calls.map((c) => c.trigger)).toEqual(['start']);
    await expect.poll(async () => (await state.read()).daemon?.pid).toBe(process.pid);
    await first.stop();
    expect((await state.read()).daemon).toBeUndefined();

    const second = start();
    const [skipped] = (await once(second.events, 'skipped')) as unknown[];
    expect(skipped).toEqual({ trigger: 'start', reason: expect.stringMatching(/already happened/) });
    expect(calls).toHaveLength(1);
  });

  it('wakes at the slot itself, not at the next heartbeat, and runs the scheduled morning', async () => {
    machine = new FakeMachine(ist('2026-11-23T07:29:50'));
    const daemon = start();
    const [early] = (await once(daemon.events, 'skipped')) as unknown[];
    expect(early).toMatchObject({ trigger: 'start', reason: expect.stringMatching(/not come yet/) });
    await expect.poll(() => machine.pending).toBe(1);
    const morning = once(daemon.events, 'morning');
    machine.advance(10_000);
    await morning;
    expect(calls).toEqual([{ trigger: 'scheduled', at: new Date(ist('2026-11-23T07:30:00')).toISOString() }]);
  });

  it('a slot seen late without any clock jump (a blocked event loop) is caught up and said, not dropped', async () => {
    machine = new FakeMachine(ist('2026-11-23T07:29:00'));
    const daemon = start();
    await once(daemon.events, 'skipped');
    await expect.poll(() => machine.pending).toBe(1);
    const missed = once(daemon.events, 'missed');
    const morning = once(daemon.events, 'morning');
    machine.stall(5 * 60_000); // both clocks move; the timer fires five minutes late
    machine.fireDue();
    const [said] = (await missed) as unknown[];
    expect(said).toEqual({ slots: [new Date(ist('2026-11-23T07:30:00')).toISOString()] });
    await morning;
    expect(calls.map((c) => c.trigger)).toEqual(['missed']);
  });

  it('a sleep past the slot (the wall clock jumps ahead of the monotonic one) runs the morning once', async () => {
    machine = new FakeMachine(ist('2026-11-23T07:00:00'));
    const daemon = start();
    await once(daemon.events, 'skipped');
    await expect.poll(() => machine.pending).toBe(1);
    const jumped = once(daemon.events, 'clock-jump');
    const morning = once(daemon.events, 'morning');
    machine.suspend(60 * 60_000); // an hour asleep; the next beat's timer had 30 s left
    machine.advance(30_000);
    expect((await jumped)[0]).toMatchObject({ kind: 'forward' });
    await morning;
    expect(calls.map((c) => c.trigger)).toEqual(['clock-jump']);
  });

  it('the clock going backwards across the slot after the morning: no second run, when the jump is seen or when the slot comes round again', async () => {
    machine = new FakeMachine(ist('2026-11-23T08:10:00'));
    const daemon = start();
    await once(daemon.events, 'morning');
    await expect.poll(() => machine.pending).toBe(1);

    machine.setWall(ist('2026-11-23T07:29:00')); // NTP or a person sets it back 41 minutes
    const back = once(daemon.events, 'clock-jump');
    const skipped = once(daemon.events, 'skipped');
    machine.advance(30_000);
    expect((await back)[0]).toMatchObject({ kind: 'backward' });
    expect((await skipped)[0]).toMatchObject({ trigger: 'clock-jump', reason: expect.stringMatching(/not come yet/) });

    await expect.poll(() => machine.pending).toBe(1);
    const again = once(daemon.events, 'skipped');
    machine.advance(30_000); // 07:30:00: the slot came round again
    expect((await again)[0]).toEqual({ trigger: 'scheduled', reason: expect.stringMatching(/already happened/) });
    expect(calls.map((c) => c.trigger)).toEqual(['start']);
  });

  it('a slot on a holiday is skipped with the holiday named; heartbeats go on', async () => {
    machine = new FakeMachine(ist('2026-11-24T07:29:30')); // Guru Nanak Jayanti, an NSE holiday
    const daemon = start();
    await once(daemon.events, 'skipped');
    await expect.poll(() => machine.pending).toBe(1);
    const skipped = once(daemon.events, 'skipped');
    machine.advance(30_000);
    expect((await skipped)[0]).toMatchObject({ trigger: 'scheduled', reason: expect.stringMatching(/2026-11-24 is/) });
    expect(calls).toEqual([]);
    await expect.poll(async () => (await state.read()).daemon?.heartbeatAt).toBe(new Date(ist('2026-11-24T07:30:00')).toISOString());
  });

  it('a slot while a morning is still running says so and starts nothing', async () => {
    config = testDaemonConfig(dir, { CRON_SCHEDULE: '30,45 7 * * 1-5' });
    machine = new FakeMachine(ist('2026-11-23T07:29:50'));
    let finish!: () => void;
    const daemon = start({
      runMorning: async (trigger) => {
        calls.push({ trigger, at: machine.now().toISOString() });
        await new Promise<void>((resolve) => { finish = resolve; });
        return { kind: 'closed', day: '2026-11-23', reason: 'stub' };
      },
    });
    await once(daemon.events, 'skipped');
    await expect.poll(() => machine.pending).toBe(1);
    machine.advance(10_000);
    await expect.poll(() => calls.length).toBe(1);
    await expect.poll(() => machine.pending).toBe(1);
    const busy = once(daemon.events, 'skipped');
    await machine.pass(15 * 60_000);
    expect((await busy)[0]).toEqual({ trigger: 'scheduled', reason: 'a run is in progress' });
    finish();
    await once(daemon.events, 'morning');
    expect(calls).toHaveLength(1);
  });

  it('state that cannot be read decides nothing: an error, no run, and the next beat tries again', async () => {
    machine = new FakeMachine(ist('2026-11-23T08:10:00'));
    await writeFile(state.path, '{ not json');
    const daemon = start();
    const [error] = (await once(daemon.events, 'error')) as unknown[];
    expect(error).toMatchObject({ code: 'STATE_UNREADABLE' });
    expect(calls).toEqual([]);
    await rm(state.path);
    await expect.poll(() => machine.pending).toBe(1);
    const morning = once(daemon.events, 'morning');
    machine.advance(30_000);
    await morning;
    expect(calls.map((c) => c.trigger)).toEqual(['start']); // the first beat that could decide
  });

  it('with nobody listening for errors, an unreadable state file does not end the daemon: it logs and beats again', async () => {
    machine = new FakeMachine(ist('2026-11-23T08:10:00'));
    await writeFile(state.path, '{ not json');
    const lines: string[] = [];
    const daemon = start({ logger: createLogger('error', { write: (line: string) => { lines.push(line); } }) });
    expect(daemon.events.listenerCount('error')).toBe(0);
    await expect.poll(() => lines.some((line) => line.includes('could not decide'))).toBe(true);
    await rm(state.path);
    await expect.poll(() => machine.pending).toBe(1);
    const morning = once(daemon.events, 'morning');
    machine.advance(30_000);
    await morning;
    expect(calls.map((c) => c.trigger)).toEqual(['start']);
  });

  it('stop() aborts the run in progress and waits for it at most the shutdown budget, on the same clock', async () => {
    machine = new FakeMachine(ist('2026-11-23T08:10:00'));
    let sawAbort = false;
    const daemon = start({
      runMorning: (trigger, signal) => new Promise<MorningResult>(() => {
        calls.push({ trigger, at: machine.now().toISOString() });
        signal.addEventListener('abort', () => { sawAbort = true; }, { once: true }); // and never ends
      }),
    });
    await expect.poll(() => calls.length).toBe(1);
    let stopped = false;
    void daemon.stop().then(() => { stopped = true; });
    await expect.poll(() => sawAbort).toBe(true);
    machine.advance(SHUTDOWN_BUDGET_MS - 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    machine.advance(1);
    await daemon.stop();
    expect(stopped).toBe(true);
    expect((await state.read()).daemon).toBeUndefined();
    expect(machine.pending).toBe(0);
  });
});
