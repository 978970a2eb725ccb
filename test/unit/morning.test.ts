import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../src/config/index.js';
import { runMorning, type MorningDeps } from '../../src/daemon/morning.js';
import { calendarFor, scheduleFor } from '../../src/wiring/from-config.js';
import { AbortedError, KiteRejectedError, KiteUnavailableError, RefusedError, type ErrorCode } from '../../src/errors/index.js';
import { createLogger } from '../../src/logger.js';
import type { Notice } from '../../src/notify/notice.js';
import { createNotifier, SharedHeartbeat } from '../../src/notify/notifier.js';
import { decideCatchUp } from '../../src/schedule/plan.js';
import { limiter } from '../../src/wiring/each-account.js';
import { StateStore } from '../../src/account/files/state-file.js';
import { testDaemonConfig } from '../support/daemon-config.js';

const ist = (text: string): Date => new Date(`${text}+05:30`);

describe('one morning (fake clock, fake attempts)', () => {
  let dir: string;
  let config: DaemonConfig;
  let state: StateStore;
  let notices: Notice[];
  let beats: boolean[];
  let sleeps: number[];
  let clock: Date;
  let stop: { code: ErrorCode; since: string } | undefined;

  const deps = (attempt: MorningDeps['attempt']): MorningDeps => ({
    config, state, attempt, logger: createLogger('silent'), calendar: calendarFor(config),
    notifier: { notify: (n) => { notices.push(n); return Promise.resolve(); }, heartbeat: (ok) => { beats.push(ok); return Promise.resolve(); } },
    now: () => clock,
    sleep: (ms) => { sleeps.push(ms); clock = new Date(clock.getTime() + ms); return Promise.resolve(); },
    random: () => 1,
    signal: new AbortController().signal,
    accountStop: () => Promise.resolve(stop),
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-morning-'));
    config = testDaemonConfig(dir);
    state = new StateStore(join(dir, 'state.json'));
    notices = [];
    beats = [];
    sleeps = [];
    stop = undefined;
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('retries what may pass until it works; the heartbeat says so', async () => {
    clock = ist('2026-11-23T07:30:00');
    let calls = 0;
    const result = await runMorning(deps(() => {
      calls += 1;
      if (calls < 3) return Promise.reject(new KiteUnavailableError('502', { step: 'exchange' }));
      return Promise.resolve({ kind: 'logged-in', expiresAt: '2026-11-24T06:00:00+05:30' });
    }), 'scheduled');
    expect(result).toMatchObject({ kind: 'done', attempts: 3 });
    expect(sleeps).toEqual([10_000, 20_000]);
    expect(beats).toEqual([true]);
    expect(notices).toEqual([]);
    expect((await state.read()).lastAttempt).toMatchObject({ result: 'logged-in', attempts: 3 });
  });

  it('started after the deadline, makes exactly one attempt', async () => {
    clock = ist('2026-11-23T12:00:00');
    let calls = 0;
    const result = await runMorning(deps(() => { calls += 1; return Promise.reject(new KiteUnavailableError('down')); }), 'start');
    expect(calls).toBe(1);
    expect(result).toMatchObject({ kind: 'failed', halted: false });
    expect(notices[0]).toMatchObject({ event: 'login-failed', code: 'KITE_UNAVAILABLE' });
    expect(beats).toEqual([false]);
  });

  it('a TOTP rejected once is tried again in the next window; the ledger\'s stop decides the alert', async () => {
    clock = ist('2026-11-23T07:30:05');
    let calls = 0;
    const totp = (): Promise<never> => {
      calls += 1;
      if (calls === 2) stop = { code: 'TOTP_REJECTED', since: clock.toISOString() }; // what the ledger says after two
      return Promise.reject(new KiteRejectedError('TOTP_REJECTED', 'Invalid TOTP', { step: 'second-factor' }));
    };
    const first = await runMorning(deps(totp), 'scheduled');
    expect(calls).toBe(2);
    expect(sleeps).toEqual([25_000]); // to the start of the next 30 s window
    expect(first).toMatchObject({ kind: 'failed', halted: true });
    expect(notices[0]).toMatchObject({ event: 'halted', next: expect.stringMatching(/resume/) });

    clock = ist('2026-11-25T07:30:00'); // two days later: the attempt is refused before anything is typed
    const later = await runMorning(deps(() => { calls += 1; return Promise.reject(new RefusedError('HALTED', 'stopped')); }), 'scheduled');
    expect(later.kind).toBe('halted');
    expect(calls).toBe(3);
    expect(notices[1]).toMatchObject({ event: 'still-halted', code: 'TOTP_REJECTED' });
  });

  it('an alert names Kite\'s clock offset when the last login measured one worth fixing', async () => {
    clock = ist('2026-11-23T08:59:50');
    await state.update((s) => { s.kiteClock = { offsetMs: 40_000, measuredAt: clock.toISOString() }; });
    await runMorning(deps(() => Promise.reject(new KiteRejectedError('TOTP_REJECTED', 'Invalid TOTP', { step: 'second-factor' }))), 'scheduled');
    expect(notices[0]?.text).toMatch(/Clock: this machine's clock is 40\.0s behind Kite's; fix it with NTP/);
    expect(notices[0]).toMatchObject({ kiteClockOffsetMs: 40_000 });
  });

  it('on a closed day, does nothing at all', async () => {
    clock = ist('2026-11-24T07:30:00'); // a holiday
    const result = await runMorning(deps(() => Promise.reject(new Error('must not run'))), 'scheduled');
    expect(result).toMatchObject({ kind: 'closed', reason: expect.stringMatching(/holiday/) });
    expect(notices).toEqual([]);
    expect(beats).toEqual([]);
  });

  it('a morning stopped while it waits for its turn was never started: no interruption is counted, and the day still runs', async () => {
    clock = ist('2026-11-23T08:10:00');
    for (let restart = 0; restart < 3; restart += 1) {
      const stopping = new AbortController();
      const turn = limiter(1);
      // Another account's attempt holds the only slot until the same stop cuts it short.
      void turn(() => new Promise<void>((resolve) => { stopping.signal.addEventListener('abort', () => { resolve(); }, { once: true }); }));
      let attempts = 0;
      let queued = false;
      const morning = runMorning({
        ...deps(() => { attempts += 1; return Promise.resolve({ kind: 'logged-in' }); }),
        signal: stopping.signal,
        turn: (task) => { queued = true; return turn(task); },
      }, 'start');
      await expect.poll(() => queued).toBe(true);
      stopping.abort(new Error('SIGTERM'));
      await expect(morning).rejects.toBeInstanceOf(AbortedError);
      expect(attempts).toBe(0);
      expect((await state.read()).today).toBeUndefined();
    }
    const decision = decideCatchUp({
      now: clock, schedule: scheduleFor(config), calendar: calendarFor(config),
      tokenValid: false, halted: false, today: (await state.read()).today, running: false,
    });
    expect(decision).toMatchObject({ run: true });
  });

  it('a morning stopped during an attempt is counted: the crash-loop guard still sees it', async () => {
    clock = ist('2026-11-23T08:10:00');
    for (let restart = 0; restart < 3; restart += 1) {
      const morning = runMorning({ ...deps(() => Promise.reject(new AbortedError('Stopped during the attempt.'))), turn: limiter(1) }, 'start');
      await expect(morning).rejects.toBeInstanceOf(AbortedError);
    }
    const today = (await state.read()).today;
    expect(today).toMatchObject({ day: '2026-11-23', interruptions: 2 });
    expect(today?.finishedAt).toBeUndefined();
    const decision = decideCatchUp({
      now: clock, schedule: scheduleFor(config), calendar: calendarFor(config), tokenValid: false, halted: false, today, running: false,
    });
    expect(decision).toMatchObject({ run: false, reason: expect.stringMatching(/cut short 2 times/) });
  });

  describe('one HEARTBEAT_URL for several accounts', () => {
    const pingsTo = (): { urls: string[]; fetch: typeof fetch } => {
      const urls: string[] = [];
      return { urls, fetch: (input) => { urls.push(input instanceof Request ? input.url : input.toString()); return Promise.resolve(new Response('OK')); } };
    };
    const heartbeatConfig = (): DaemonConfig => testDaemonConfig(dir, { HEARTBEAT_URL: 'https://hc.example/ping/uuid' });
    const failing = (): Promise<never> => Promise.reject(new KiteRejectedError('CREDENTIALS_REJECTED', 'Kite rejected the user id or password.', { step: 'credentials' }));
    const succeeding = (): Promise<{ kind: 'logged-in'; expiresAt: string }> => Promise.resolve({ kind: 'logged-in', expiresAt: '2026-11-24T06:00:00+05:30' });

    it('once one account failed that day, another\'s later success is not pinged; the next day starts clean', async () => {
      config = heartbeatConfig();
      const pings = pingsTo();
      const shared = new SharedHeartbeat();
      const notifierOf = () => createNotifier(config.notify, createLogger('silent'), pings.fetch, shared);
      const stateB = new StateStore(join(dir, 'b.json'));
      const stateA = new StateStore(join(dir, 'a.json'));

      clock = ist('2026-11-23T07:30:00');
      await runMorning({ ...deps(failing), state: stateB, notifier: notifierOf(), account: 'B' }, 'scheduled');
      await runMorning({ ...deps(succeeding), state: stateA, notifier: notifierOf(), account: 'A' }, 'scheduled');
      expect(pings.urls).toEqual(['https://hc.example/ping/uuid/fail']);

      clock = ist('2026-11-25T07:30:00'); // 24th: a holiday
      await runMorning({ ...deps(succeeding), state: stateA, notifier: notifierOf(), account: 'A' }, 'scheduled');
      expect(pings.urls).toEqual(['https://hc.example/ping/uuid/fail', 'https://hc.example/ping/uuid']);
    });

    it('a single account pings as before: a failure, then a success the same day, both sent', async () => {
      config = heartbeatConfig();
      const pings = pingsTo();
      const notifier = createNotifier(config.notify, createLogger('silent'), pings.fetch);
      clock = ist('2026-11-23T07:30:00');
      await runMorning({ ...deps(failing), notifier }, 'scheduled');
      clock = ist('2026-11-23T09:00:00');
      await state.update((s) => { s.today = undefined; });
      await runMorning({ ...deps(succeeding), notifier }, 'scheduled');
      expect(pings.urls).toEqual(['https://hc.example/ping/uuid/fail', 'https://hc.example/ping/uuid']);
    });
  });
});
