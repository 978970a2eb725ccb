import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../src/config/index.js';
import { startDaemon, type DaemonHandle } from '../../src/daemon/daemon.js';
import type { MorningResult } from '../../src/daemon/morning.js';
import { calendarFor, scheduleFor } from '../../src/daemon/runtime.js';
import { createLogger } from '../../src/logger.js';
import { StateStore } from '../../src/state/state-store.js';
import { testDaemonConfig } from '../support/daemon-config.js';

// Fires only on 29 February (07:30 IST), so the real timer inside node-cron never fires
// during the test; the fake clock below lives on 29 February 2028 (a Tuesday).
const CRON = '30 7 29 2 *';
const ist = (text: string): number => Date.parse(`${text}+05:30`);

describe('daemon (fake clocks)', () => {
  let dir: string;
  let config: DaemonConfig;
  let state: StateStore;
  let wall: number;
  let mono: number;
  let calls: string[];
  let daemons: DaemonHandle[];

  const start = (runMorning?: (trigger: string, signal: AbortSignal) => Promise<MorningResult>, over: Partial<Parameters<typeof startDaemon>[0]> = {}): DaemonHandle => {
    const handle = startDaemon({
      config, state, logger: createLogger('silent'),
      calendar: calendarFor(config), schedule: scheduleFor(config),
      runMorning: runMorning ?? (async (trigger) => {
        calls.push(trigger);
        const at = new Date(wall).toISOString();
        await state.update((s) => { s.today = { day: '2028-02-29', startedAt: at, finishedAt: at, interruptions: 0 }; });
        return { kind: 'closed', day: '2028-02-29', reason: 'stub' };
      }),
      tokenValid: async () => false,
      stopped: async () => false,
      now: () => new Date(wall),
      monotonic: () => mono,
      tickMs: 10,
      ...over,
    });
    daemons.push(handle);
    return handle;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-daemon-'));
    config = testDaemonConfig(dir, { CRON_SCHEDULE: CRON });
    state = new StateStore(join(dir, 'state.json'));
    calls = [];
    daemons = [];
    mono = 0;
  });
  afterEach(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('catches up at start when today\'s time has passed, and a restart does not run the morning again', async () => {
    wall = ist('2028-02-29T08:10:00');
    const first = start();
    await once(first.events, 'morning');
    expect(calls).toEqual(['start']);
    expect((await state.read()).daemon?.pid).toBe(process.pid);
    await first.stop();
    expect((await state.read()).daemon).toBeUndefined();

    const second = start();
    const [skipped] = await once(second.events, 'skipped');
    expect(skipped).toMatchObject({ trigger: 'start', reason: expect.stringMatching(/already happened/) });
    expect(calls).toEqual(['start']);
  });

  it('after a sleep (wall clock jumps ahead of the monotonic one) past the scheduled time, it runs', async () => {
    wall = ist('2028-02-29T07:00:00');
    const daemon = start();
    const [early] = await once(daemon.events, 'skipped');
    expect(early).toMatchObject({ reason: expect.stringMatching(/not come yet/) });

    wall += 60 * 60_000; // the machine slept an hour; the monotonic clock did not move
    const [jump] = await once(daemon.events, 'clock-jump');
    expect(jump).toMatchObject({ kind: 'forward' });
    await once(daemon.events, 'morning');
    expect(calls).toEqual(['clock-jump']);

    wall -= 45 * 60_000; // set back to 07:15: the finished morning must not run again
    const [back] = await once(daemon.events, 'clock-jump');
    expect(back).toMatchObject({ kind: 'backward' });
    const [skipped] = await once(daemon.events, 'skipped');
    expect(skipped).toMatchObject({ trigger: 'clock-jump' });
    expect(calls).toEqual(['clock-jump']);
  });

  it('two triggers at once (start, and a clock jump while it decides) start one morning, not two', async () => {
    wall = ist('2028-02-29T08:10:00');
    let release!: () => void;
    const slow = new Promise<void>((resolve) => { release = resolve; });
    const daemon = start(undefined, { tokenValid: async () => { await slow; return false; } });
    wall += 60 * 60_000; // the next tick sees a jump and triggers while "start" is still deciding
    const [skipped] = await once(daemon.events, 'skipped');
    // Whichever came first decides; the other is told a run is in progress.
    expect(skipped).toMatchObject({ reason: expect.stringMatching(/in progress/) });
    release();
    await once(daemon.events, 'morning');
    expect(calls).toHaveLength(1);
    expect(['start', 'clock-jump']).toContain(calls[0]);
  });

  it('stop() abandons a run in progress through its signal and resolves', async () => {
    wall = ist('2028-02-29T08:10:00');
    let sawAbort = false;
    const daemon = start((trigger, signal) => new Promise((_resolve, reject) => {
      calls.push(trigger);
      signal.addEventListener('abort', () => { sawAbort = true; reject(new Error('aborted')); }, { once: true });
    }));
    await expect.poll(() => calls.length).toBe(1);
    await daemon.stop();
    await daemon.promise;
    expect(sawAbort).toBe(true);
  });
});
