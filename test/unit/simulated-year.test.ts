import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resumeCommand } from '../../src/commands/resume.js';
import type { DaemonConfig } from '../../src/config/index.js';
import { attemptOutcomeOf } from '../../src/daemon/attempt-protocol.js';
import { runMorning, type MorningDeps, type MorningResult } from '../../src/daemon/morning.js';
import { calendarFor, savedTokenValid, scheduleFor } from '../../src/wiring/from-config.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import type { Submission } from '../../src/ledger/attempt-rules.js';
import { accountStop } from '../../src/account/account-stop.js';
import { accountFiles } from '../../src/account/files/account-files.js';
import { filesHome } from '../../src/account/files/files-home.js';
import { fileLedgerStore } from '../../src/account/files/ledger-file.js';
import { loginUnderLedger as guardedLogin } from '../../src/login/login-under-ledger.js';
import { createLogger } from '../../src/logger.js';
import type { Notice } from '../../src/notify/notice.js';
import { scheduledTime } from '../../src/schedule/plan.js';
import { mulberry32 } from '@kite-autologin/simulator/shapes';
import { nextDay } from '../../src/schedule/zoned-time.js';
import { istDate } from '../../src/time/ist.js';
import { isTokenCurrent, TokenStore } from '../../src/token-store.js';
import { testDaemonConfig } from '../support/daemon-config.js';
import { FakeMachine, SimulatedDaemon, type TriggerRecord } from '../support/year-daemon.js';
import { KiteModel, type KiteMorning } from '../support/year-kite-model.js';

/*
 * Every day of 2026 on a fake clock: the daemon's own decision (planBeat, beaten by
 * test/support/year-daemon.ts as daemon.ts's timer would: at the schedule's time, on start,
 * after a sleep or a clock change), runMorning with its retry policy, guardedLogin with the real lock, the real attempt
 * ledger and state file in a temp folder, and a model of Kite (test/support/year-kite-model.ts)
 * in place of the browser, misbehaving as scripted below. Nothing waits for real time.
 *
 * Two things only make it fast: the temp folder is on /dev/shm when there is one (fsync is
 * free), and scrypt's cost parameter is lowered for this file (below): the ledger's prints
 * are still salted hashes of the credentials, just cheap ones (N=4096 costs ~20 ms a ledger
 * open, and this year opens it ~450 times).
 */
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (password: string, salt: Buffer, keylen: number, options: object, callback: (error: Error | null, key: Buffer) => void): void => {
    crypto.scrypt(password, salt, keylen, { ...options, N: 16 }, callback);
  };
  return { ...crypto, default: { ...crypto, scrypt }, scrypt };
});

/** An IST wall-clock time, `2026-05-11T20:00`, as epoch ms. */
const ist = (text: string): number => Date.parse(`${text}:00+05:30`);

const FIRST_PASSWORD = 'p';
const NEW_PASSWORD = 'p-changed-in-may';
const FIRST_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const NEW_TOTP = 'KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF';

/** How Kite misbehaves, by IST day. Every other day it answers at once and correctly. */
const KITE: Record<string, KiteMorning> = {
  '2026-01-12': { downUntil: ist('2026-01-12T08:40') }, // the login page 5xx until 08:40 (nothing typed)
  '2026-01-20': { answerDelayMs: 8_000 }, // slow, but answered within the step timeout
  '2026-01-27': { kill: { at: 'password', times: 1 } }, // killed right after the password was recorded (the year's first stop)
  '2026-02-03': { silent: 'password' }, // the password's answer never comes
  '2026-02-17': { kill: { at: 'totp', times: 1 } }, // killed right after the code was recorded
  '2026-03-17': { transient: { password: 1 } }, // one 503 to the password
  '2026-04-07': { offsetMs: 40_000 }, // Kite's clock 40 s ahead of the machine's, measured from Date headers
  '2026-04-21': { offsetMs: 40_000, unmeasuredAttempts: 1 }, // ... not measured on the first attempt: a code of the wrong window
  '2026-06-02': { downUntil: ist('2026-06-02T09:30') }, // down past the deadline
  '2026-06-09': { transient: { totp: 1 } }, // one 503 to the code
  '2026-06-16': { transient: { exchange: 1 } }, // one 503 to the token exchange
  '2026-07-07': { transient: { password: 3 } }, // every password POST 503: 3 not accepted in a row stop the account until resume
  '2026-07-14': { silent: 'totp' }, // the code's answer never comes
  '2026-08-25': { kill: { at: 'login-page', times: 3 } }, // a crash loop before anything is typed
  '2026-03-24': { transient: { password: 1 }, transientStatus: 429 }, // one 429 to the password (POST /api/login)
  '2026-06-23': { transient: { totp: 1 }, transientStatus: 429 }, // one 429 to the code (POST /api/twofa)
  '2026-06-30': { transient: { exchange: 1 }, transientStatus: 429 }, // one 429 to the token exchange (POST /session/token)
  '2026-07-28': { silent: 'exchange' }, // Kite made the session, the exchange's answer never came: the retry makes another
  '2026-10-27': { crashAfterSending: 'password' }, // the browser crashed right after the password left: unknown, so the account stops
  '2026-11-03': { crashAfterSending: 'totp' }, // ... right after the code left: one more code, from a later window
  '2026-12-01': { downUntil: ist('2026-12-01T08:45') }, // the login page 5xx until 08:45
  '2026-12-15': { silent: 'password' },
};

/** What happens around the machine and the account (IST times; may cross days). */
type YearEvent =
  | { at: string; kind: 'restart' } // the daemon (re)starts: deploy, reboot
  | { at: string; kind: 'power-off' } // the machine is off until the next restart
  | { at: string; kind: 'suspend'; until: string } // asleep: the wall clock jumps on wake
  | { at: string; kind: 'set-clock'; to: string } // NTP or a person sets the clock
  | { at: string; kind: 'manual-login' } // someone runs `kite-autologin login`
  | { at: string; kind: 'kite-password'; password: string } // the password is changed on kite.zerodha.com
  | { at: string; kind: 'kite-totp'; secret: string } // the TOTP is enrolled again on Kite
  | { at: string; kind: 'fix'; env: Record<string, string> } // the configuration is updated
  | { at: string; kind: 'resume' }; // someone runs `kite-autologin resume`

const EVENTS: YearEvent[] = [
  { at: '2026-01-05T06:45', kind: 'restart' }, // before the scheduled time
  { at: '2026-01-05T11:00', kind: 'restart' }, // after a successful morning
  { at: '2026-01-27T19:00', kind: 'resume' }, // the person noticed the alert
  { at: '2026-02-04T07:00', kind: 'resume' }, // ... and the next morning, the unknown password of 02-03
  { at: '2026-03-10T06:30', kind: 'suspend', until: '2026-03-10T08:05' },
  { at: '2026-05-11T20:00', kind: 'kite-password', password: NEW_PASSWORD }, // ...and nobody tells the configuration
  { at: '2026-05-18T20:00', kind: 'fix', env: { KITE_PASSWORD: NEW_PASSWORD } },
  { at: '2026-05-18T20:01', kind: 'resume' },
  { at: '2026-07-07T20:00', kind: 'resume' }, // after checking on kite.zerodha.com (the 503s were Kite's)
  { at: '2026-07-20T22:00', kind: 'power-off' },
  { at: '2026-07-21T09:40', kind: 'restart' },
  { at: '2026-08-04T07:10', kind: 'manual-login' },
  { at: '2026-08-11T07:45', kind: 'set-clock', to: '2026-08-11T07:25' },
  { at: '2026-09-07T20:00', kind: 'kite-totp', secret: NEW_TOTP },
  { at: '2026-09-09T12:00', kind: 'fix', env: { KITE_TOTP_SECRET: NEW_TOTP } },
  { at: '2026-09-09T12:01', kind: 'resume' },
  { at: '2026-10-09T20:00', kind: 'suspend', until: '2026-10-12T07:50' }, // a weekend asleep
  { at: '2026-10-27T20:00', kind: 'resume' }, // after checking on kite.zerodha.com (the crash of the morning)
  { at: '2026-11-10T11:00', kind: 'restart' }, // a holiday
  { at: '2026-11-24T07:00', kind: 'set-clock', to: '2026-11-24T07:40' }, // a holiday
  { at: '2026-12-16T12:00', kind: 'resume' }, // late: the morning of 12-16 was still stopped
  { at: '2026-12-19T10:00', kind: 'restart' }, // a Saturday
];

/** What each unusual trading day must end with (every other trading day: one scheduled run, a token by 09:00). */
interface DayExpectation {
  /** Why no token by 09:00 is expected: Kite not up (or silent) by 08:45, a stop, the machine off. */
  noToken?: string;
  /** A stop was in force before the morning: nothing may be submitted, the morning is `halted`. */
  stoppedBefore?: true;
  /** The triggers that started a morning run, in order. Default: ['scheduled']. */
  runs?: string[];
  /** The last morning run's result. Default: done. */
  result?: MorningResult['kind'];
  /** A token is still expected that day, after 09:00. */
  tokenLater?: true;
}

const EXPECT: Record<string, DayExpectation> = {
  '2026-01-27': { noToken: 'killed right after the password: unknown, so the account stops', runs: ['scheduled', 'start'], result: 'halted' },
  '2026-02-03': { noToken: 'Kite never answered the password: unknown, so the account stops', result: 'failed' },
  '2026-02-17': { runs: ['scheduled', 'start'] },
  '2026-03-10': { runs: ['clock-jump'] },
  '2026-05-12': { noToken: 'the password was changed at Kite', result: 'failed' },
  '2026-05-13': { noToken: 'stopped (wrong password)', stoppedBefore: true, result: 'halted' },
  '2026-05-14': { noToken: 'stopped (wrong password)', stoppedBefore: true, result: 'halted' },
  '2026-05-15': { noToken: 'stopped (wrong password)', stoppedBefore: true, result: 'halted' },
  '2026-05-18': { noToken: 'stopped (wrong password)', stoppedBefore: true, result: 'halted' },
  '2026-06-02': { noToken: 'Kite down until 09:30', result: 'failed' },
  '2026-07-07': { noToken: 'Kite answered every password 503: 3 not accepted in a row stop the account until resume', result: 'failed' },
  // Kite never answers the first code: it counts as a failed code, and one more, from a later
  // window, is allowed (as after a rejection); the password is sent a second time.

  '2026-07-21': { noToken: 'the machine was off until 09:40', runs: ['start'], tokenLater: true },
  '2026-08-25': { noToken: 'killed three times: the crash-loop guard', runs: ['scheduled', 'start', 'start'] },
  '2026-09-08': { noToken: 'the TOTP was enrolled again at Kite: two codes rejected', result: 'failed' },
  '2026-09-09': { noToken: 'stopped (two rejected codes)', stoppedBefore: true, result: 'halted' },
  '2026-10-12': { runs: ['clock-jump'] },
  '2026-10-27': { noToken: 'the browser crashed after the password left: unknown, so the account stops', result: 'failed' },
  '2026-12-15': { noToken: 'Kite never answered the password: unknown, so the account stops', result: 'failed' },
  '2026-12-16': { noToken: 'stopped (unknown password); resumed at noon', stoppedBefore: true, result: 'halted' },
};


const FAILED = new Set(['rejected', 'blocked', 'unknown', 'pending']);

describe('a simulated year (2026) of unattended mornings', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kal-year-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('gets a token every morning it can, and never spends the account\'s wrong attempts', async () => {
    const started = performance.now();
    let env: Record<string, string> = {};
    let config: DaemonConfig = testDaemonConfig(dir);
    const calendar = calendarFor(config);
    const schedule = scheduleFor(config);
    const logger = createLogger('silent');
    const machine = new FakeMachine(ist('2026-01-01T05:00'));
    const random = mulberry32(2026);
    const notices: Notice[] = [];
    const problems: string[] = [];
    const kite = new KiteModel({ userId: config.credentials.userId, password: FIRST_PASSWORD, totpSecret: FIRST_TOTP }, (day) => KITE[day] ?? {});
    const account = { apiKey: config.credentials.apiKey, userId: config.credentials.userId };
    const files = accountFiles(config, account);
    const home = filesHome();
    const record = () => home.record(account, config);
    const state = () => record().morning;
    const secrets = () => ({ password: config.credentials.password, totpSecret: config.credentials.totpSecret });
    const stopOf = async () => {
      const stop = await accountStop(record(), secrets(), machine.now());
      return stop ? { code: stop.cause, since: stop.since } : undefined;
    };

    const login = (via: string) => guardedLogin(config, record(), { force: false }, {
      via, logger, now: machine.now, perform: kite.performAs(via), session: kite.session, lockWaitMs: 1_000, sleep: machine.sleep,
    });
    const morningDeps = (): MorningDeps => ({
      config, logger, state: state(), calendar, now: machine.now, sleep: machine.sleep, random,
      signal: new AbortController().signal,
      notifier: { notify: (notice) => { notices.push(notice); return Promise.resolve(); }, heartbeat: () => Promise.resolve() },
      attempt: async () => attemptOutcomeOf(await login('daemon')),
      accountStop: stopOf,
    });
    const daemon = new SimulatedDaemon({
      machine, state, config: () => config, calendar, schedule,
      runMorning: (trigger) => runMorning(morningDeps(), trigger),
      tokenValid: () => savedTokenValid(config.tokenFile, machine.now()),
      stopped: async () => (await stopOf()) !== undefined,
    });
    /** systemd brings a killed daemon back a minute later (Restart=always). */
    const keepAlive = async (first: TriggerRecord | undefined): Promise<void> => {
      let record = first;
      while (record?.killed) {
        machine.idleUntil(machine.wall + 60_000);
        record = await daemon.start();
      }
    };
    /** The guarded login's own view (it holds the lock): is the account stopped? */
    const stopNow = async (): Promise<string | undefined> => {
      return (await accountStop(record(), secrets(), machine.now(), true))?.cause;
    };
    /**
     * A person runs `kite-autologin resume`: the real command, at the simulated time. If it
     * leaves a stop in place, that is reported, and the resume is then recorded in the ledger
     * directly (AccountLedger.recordResume, as the command would) so the year goes on.
     */
    const resume = async (): Promise<void> => {
      const stopBefore = await stopNow();
      const said: string[] = [];
      vi.useFakeTimers({ toFake: ['Date'], now: machine.wall });
      try {
        await resumeCommand.run({
          args: [], cwd: dir, out: (line) => { said.push(line); }, signal: new AbortController().signal, interactive: false,
          env: { KITE_API_KEY: account.apiKey, KITE_USER_ID: account.userId, TOKEN_FILE: config.tokenFile },
        });
      } finally {
        vi.useRealTimers();
      }
      const stopAfter = await stopNow();
      if (stopAfter === undefined) return;
      problems.push(`${istDate(machine.now())}: \`kite-autologin resume\` said "${said.join(' ')}" yet logins are still refused (HALTED, ${stopAfter}; before: ${stopBefore ?? 'not stopped'}); resume recorded directly instead`);
      await record().hold(async (held) => {
        const ledger = await held.recordedLedger(machine.now());
        await ledger?.recordResume(machine.now(), 'resume');
      }, { waitMs: 1_000 });
    };

    // Every day of the year: node-cron at the schedule's time, a look at the token at 09:00.
    type Step = { at: number; order: number; run: () => Promise<void> };
    const steps: Step[] = [];
    const days: string[] = [];
    for (let day = '2026-01-01'; day <= '2026-12-31'; day = nextDay(day)) {
      days.push(day);
      const cronAt = scheduledTime(schedule, day);
      if (cronAt) {
        steps.push({
          at: cronAt.getTime(), order: 1, run: async () => {
            // The machine slept through the slot: its timer beats on waking (the suspend event).
            if (machine.wall > cronAt.getTime() + 1_000) return;
            await keepAlive(await daemon.cron());
          },
        });
      }
      const nine = ist(`${day}T09:00`);
      steps.push({
        at: nine, order: 2, run: async () => {
          if (!calendar.isTradingDay(day) || EXPECT[day]?.noToken) return;
          const read = await new TokenStore(config.tokenFile).read();
          const ok = read.state === 'ok' && isTokenCurrent(read.token, new Date(nine)) && Date.parse(read.token.saved_at) <= nine;
          if (!ok) problems.push(`${day}: no token by 09:00 (${read.state === 'ok' ? `saved ${read.token.saved_at}` : read.state})`);
        },
      });
    }
    for (const event of EVENTS) {
      steps.push({
        at: ist(event.at), order: 0, run: async () => {
          switch (event.kind) {
            case 'restart': await keepAlive(await daemon.start()); break;
            case 'power-off': daemon.stop(); break;
            case 'suspend':
              machine.suspendUntil(ist(event.until));
              await keepAlive(await daemon.tick()); // the first tick after waking
              break;
            case 'set-clock': {
              const before = machine.wall;
              machine.setClock(ist(event.to));
              await keepAlive(await daemon.tick());
              // Set back across the schedule's time: node-cron fires again when the clock gets there.
              const cronAt = scheduledTime(schedule, event.to.slice(0, 10))?.getTime();
              if (cronAt !== undefined && machine.wall < cronAt && before > cronAt) {
                machine.idleUntil(cronAt);
                await keepAlive(await daemon.cron());
              }
              break;
            }
            case 'manual-login': await login('login'); break;
            case 'kite-password': kite.password = event.password; break;
            case 'kite-totp': kite.totpSecret = event.secret; break;
            case 'fix':
              env = { ...env, ...event.env };
              config = testDaemonConfig(dir, env);
              break;
            case 'resume': await resume(); break;
          }
        },
      });
    }
    steps.sort((a, b) => a.at - b.at || a.order - b.order);

    await keepAlive(await daemon.start());
    for (const step of steps) {
      machine.idleUntil(step.at);
      await step.run();
    }

    // ---- What happened, from the daemon's log, Kite's side and the ledger file ----
    const ledger = await AccountLedger.open(fileLedgerStore(files.ledger), account, machine.now(), { create: false });
    if (!ledger) throw new Error('no ledger was written');
    const submissions = ledger.submissions();
    const morningsOf = (day: string): TriggerRecord[] => daemon.log.filter((r) => r.day === day && (r.result !== undefined || r.killed));
    const submittedOn = (day: string): Submission[] => submissions.filter((s) => s.day === day);
    const tradingDays = days.filter((d) => calendar.isTradingDay(d));

    for (const day of days) {
      const runs = morningsOf(day);
      if (!calendar.isTradingDay(day)) {
        if (submittedOn(day).length > 0) problems.push(`${day} (closed): ${submittedOn(day).length} submissions`);
        if (kite.calls.some((c) => c.day === day)) problems.push(`${day} (closed): the login ran`);
        if (runs.some((r) => r.result?.kind !== 'closed')) problems.push(`${day} (closed): a morning did more than say so`);
        continue;
      }
      const want = EXPECT[day] ?? {};
      const triggers = runs.map((r) => r.trigger);
      if (JSON.stringify(triggers) !== JSON.stringify(want.runs ?? ['scheduled'])) problems.push(`${day}: morning runs ${JSON.stringify(triggers)}, expected ${JSON.stringify(want.runs ?? ['scheduled'])}`);
      const last = runs.at(-1);
      if (!last?.killed && last?.result?.kind !== (want.result ?? 'done')) problems.push(`${day}: the morning ended ${last?.result?.kind ?? 'without a run'}, expected ${want.result ?? 'done'}`);
      if (want.stoppedBefore && (submittedOn(day).length > 0 || kite.calls.some((c) => c.day === day))) problems.push(`${day}: stopped, yet the login ran or submitted`);
      if (want.tokenLater && !kite.logins.some((l) => l.day === day)) problems.push(`${day}: no token even after 09:00`);
      const logins = kite.logins.filter((l) => l.day === day);
      if (logins.length > 1) problems.push(`${day}: ${logins.length} logins (${logins.map((l) => `${l.via}@${new Date(l.at).toISOString()}`).join(', ')})`);
    }

    // One rejected-or-unknown password per configured password, until a resume.
    let segment = 0;
    const failedPasswords = new Map<string, string[]>();
    const byId = new Map(submissions.map((s) => [s.id, s]));
    for (const record of ledger.records) {
      if (record.type === 'resume') segment += 1;
      if (record.type !== 'submit' || record.factor !== 'password') continue;
      const s = byId.get(record.id);
      if (!s || !FAILED.has(s.outcome)) continue;
      const key = `${segment}:${s.print}`;
      failedPasswords.set(key, [...(failedPasswords.get(key) ?? []), `${s.day} ${s.outcome}`]);
    }
    for (const list of failedPasswords.values()) if (list.length > 1) problems.push(`the same password failed ${list.length} times without a resume between: ${list.join(', ')}`);
    const perDay = new Map<string, { password: number; totpFailed: number; totpRejected: number }>();
    for (const s of submissions) {
      const d = perDay.get(s.day) ?? { password: 0, totpFailed: 0, totpRejected: 0 };
      if (s.factor === 'password') d.password += 1;
      else if (FAILED.has(s.outcome)) { d.totpFailed += 1; if (s.outcome === 'rejected') d.totpRejected += 1; }
      perDay.set(s.day, d);
    }
    for (const [day, d] of perDay) if (d.totpFailed > 2) problems.push(`${day}: ${d.totpFailed} TOTP codes rejected or unanswered`);
    // Kite's count, pessimistically: every answer but an accepted one may have been wrong; an
    // accepted one of the factor (or a resume, after a person checked the account) ends it.
    const wrongInARow = { password: 0, totp: 0 };
    for (const record of ledger.records) {
      if (record.type === 'resume') { wrongInARow.password = 0; wrongInARow.totp = 0; }
      if (record.type !== 'submit') continue;
      const s = byId.get(record.id);
      if (!s || s.outcome === 'not-sent') continue;
      wrongInARow[s.factor] = s.outcome === 'accepted' ? 0 : wrongInARow[s.factor] + 1;
      if (wrongInARow.password > 3 || wrongInARow.totp > 2) problems.push(`${s.day}: ${JSON.stringify(wrongInARow)} not accepted in a row, more than the rules allow`);
    }
    if (kite.blocked || kite.maxWrong.password >= 5 || kite.maxWrong.totp >= 5) problems.push(`Kite blocked the account (wrong in a row: ${JSON.stringify(kite.maxWrong)})`);
    // Every submission Kite got was recorded first, with the answer Kite gave (pending: the process died).
    if (submissions.length !== kite.sent.length) problems.push(`the ledger holds ${submissions.length} submissions, Kite saw ${kite.sent.length}`);
    submissions.forEach((s, i) => {
      const sent = kite.sent[i];
      const same = sent?.answer === s.outcome || (sent?.answer === 'pending' && s.outcome === 'unknown');
      if (sent?.factor !== s.factor || !same || sent.day !== s.day) problems.push(`ledger submission ${i} (${s.day} ${s.factor} ${s.outcome}) is not what Kite got (${JSON.stringify(sent)})`);
    });
    const orphaned = kite.sent.filter((s) => s.answer === 'pending').length;
    if (orphaned !== 2) problems.push(`${orphaned} submissions cut short by a kill; the script has exactly 2`);
    // The scenario days did what they were scripted to do (guards against a script that tests nothing).
    const totpRejectedOn = (day: string): number => perDay.get(day)?.totpRejected ?? 0;
    if (totpRejectedOn('2026-04-21') !== 1) problems.push(`2026-04-21: ${totpRejectedOn('2026-04-21')} codes rejected, expected the one of the wrong window`);
    if ((perDay.get('2026-07-07')?.password ?? 0) !== 3) problems.push(`2026-07-07: ${perDay.get('2026-07-07')?.password ?? 0} password submissions, expected the 3 the rules allow`);
    if (totpRejectedOn('2026-09-08') !== 2) problems.push(`2026-09-08: ${totpRejectedOn('2026-09-08')} codes rejected, expected 2`);
    const stillValid = daemon.log.filter((r) => r.result?.kind === 'done' && r.result.outcome.kind === 'still-valid');
    if (stillValid.map((r) => r.day).join() !== '2026-08-04') problems.push(`still-valid mornings: ${stillValid.map((r) => r.day).join() || 'none'}, expected 2026-08-04 (after a login by hand)`);
    if (!morningsOf('2026-11-08').some((r) => r.result?.kind === 'done')) problems.push('2026-11-08 (Muhurat): no login');
    const answered = (day: string, factor: string, answer: string): number => kite.sent.filter((x) => x.day === day && x.factor === factor && x.answer === answer).length;
    const ended = (day: string): string => kite.calls.filter((x) => x.day === day).map((x) => x.ended).join();
    for (const [day, factor, answer] of [['2026-03-24', 'password', 'transient'], ['2026-06-23', 'totp', 'transient'], ['2026-10-27', 'password', 'unknown'], ['2026-11-03', 'totp', 'unknown']] as const) {
      if (answered(day, factor, answer) !== 1) problems.push(`${day}: ${answered(day, factor, answer)} ${factor} answers ${answer}, expected the scripted one`);
    }
    for (const day of ['2026-06-30', '2026-07-28']) if (ended(day) !== 'KITE_UNAVAILABLE,logged-in') problems.push(`${day}: login attempts ended ${ended(day)}, expected the exchange's failure, then a token`);

    // Stops: each failed password, and each day with two failed codes.
    const stops = [...submissions.filter((s) => s.factor === 'password' && FAILED.has(s.outcome)).map((s) => s.day),
      ...[...perDay].filter(([, d]) => d.totpFailed >= 2).map(([day]) => day)].sort();
    const tokensBy9 = tradingDays.filter((d) => kite.logins.some((l) => l.day === d && l.at <= ist(`${d}T09:00`)) || stillValid.some((r) => r.day === d)).length;
    const count = (factor: string): number => submissions.filter((s) => s.factor === factor).length;
    const attemptsMax = Math.max(...daemon.log.map((r) => (r.result && 'attempts' in r.result ? r.result.attempts : 0)));
    const summary = `simulated year: ${tradingDays.length} trading mornings, ${tokensBy9} tokens by 09:00, ${kite.logins.length} logins, `
      + `${count('password')} password submissions, ${count('totp')} TOTP submissions (${submissions.filter((s) => s.factor === 'totp' && s.outcome === 'rejected').length} rejected), `
      + `${stops.length} stops (${stops.join(', ')}), ${daemon.log.filter((r) => r.result?.kind === 'halted').length} mornings refused as stopped, `
      + `${daemon.log.filter((r) => r.trigger !== 'scheduled' && (r.result || r.killed)).length} catch-up runs, ${kite.kills} kills, ${kite.calls.length} login attempts (max ${attemptsMax} in a morning), `
      + `${notices.length} alerts, `
      + `${Math.round(performance.now() - started)} ms`;
    console.log(summary);

    expect(problems).toEqual([]);
    expect(tradingDays).toHaveLength(246);
    expect(calendar.isTradingDay('2026-11-08')).toBe(true);
  }, 120_000);
});
