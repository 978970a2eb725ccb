import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { accountStop } from '../../src/account/account-stop.js';
import { accountFiles, type AccountFiles } from '../../src/account/files/account-files.js';
import type { AccountRecord } from '../../src/account/record.js';
import type { DaemonConfig } from '../../src/config/index.js';
import { attemptOutcomeOf } from '../../src/daemon/attempt-protocol.js';
import type { MorningDeps, MorningResult } from '../../src/daemon/morning.js';
import type { ErrorCode } from '../../src/errors/index.js';
import type { Factor } from '../../src/ledger/records.js';
import type { LoginOutcome, LoginRequest } from '../../src/login/login-once.js';
import { loginUnderLedger } from '../../src/login/login-under-ledger.js';
import { savedTokenValid } from '../../src/wiring/from-config.js';
import { testDaemonConfig } from './daemon-config.js';
import type { HistoryContext } from './kite-model-context.js';
import { FaultyLedgerStore, withFaultyLedger, type AttemptScript } from './kite-model-faults.js';
import { totpSecret } from './kite-model-util.js';
import { SimulatedDaemon } from './year-daemon.js';

/*
 * One account of a history, and the ways into the real code on it: its record (from the
 * history's home), its stop as the daemon reads it, a login through loginUnderLedger (with the
 * day's ledger faults and the Kite model as `perform`), and the deps of its runMorning.
 */

export interface AccountWorld {
  index: number;
  userId: string;
  apiKey: string;
  dir: string;
  env: Record<string, string>;
  config: DaemonConfig;
  files: AccountFiles;
  store: FaultyLedgerStore;
  daemon: SimulatedDaemon;
  /** The account's login attempts of the day take these scripts in order. */
  scripts: AttemptScript[];
}

/** Account `index` of the history, its daemon's morning run by `daemonMorning`. */
export async function addAccount(ctx: HistoryContext, index: number, daemonMorning: (world: AccountWorld, trigger: string) => Promise<MorningResult>): Promise<void> {
  const userId = `AB${1001 + index}`;
  const apiKey = ctx.history.sharedApiKey ? 'family-app' : `app-${index}`;
  const dir = join(ctx.root, `account-${index}`);
  await mkdir(dir, { recursive: true });
  const env = { ...ctx.common, ...ctx.historyHome.env, KITE_USER_ID: userId, KITE_API_KEY: apiKey, KITE_PASSWORD: `pw-${index}`, KITE_TOTP_SECRET: totpSecret(index * 100) };
  const config = testDaemonConfig(dir, env);
  const files = accountFiles(config, { apiKey, userId });
  const store = new FaultyLedgerStore(ctx.historyHome.ledgerStore({ apiKey, userId }, files.ledger), () => ctx.machine.wall, () => ctx.kite.dirty(index, 'a ledger write failed'));
  const world: AccountWorld = { index, userId, apiKey, dir, env, config, files, store, scripts: [], daemon: undefined as unknown as SimulatedDaemon };
  world.daemon = new SimulatedDaemon({
    machine: ctx.machine, state: () => recordOf(ctx, world).morning, config: () => world.config,
    calendar: ctx.calendar, schedule: ctx.schedule,
    runMorning: (trigger) => daemonMorning(world, trigger),
    tokenValid: () => savedTokenValid(world.config.tokenFile, ctx.machine.now()),
    stopped: async () => (await stopOf(ctx, world)) !== undefined,
  });
  const place = recordOf(ctx, world).place;
  ctx.kite.addAccount({ index, userId, apiKey, ledgerPlace: place, unanswered: (factor) => unansweredOf(ctx, world, factor) }, env.KITE_PASSWORD, env.KITE_TOTP_SECRET);
  ctx.worlds.push(world);
}

/** The account's record, from the history's home. */
export function recordOf(ctx: HistoryContext, world: AccountWorld): AccountRecord {
  return ctx.home.record({ apiKey: world.apiKey, userId: world.userId }, world.config);
}

/** The ledger's stop, read as the daemon and the morning read it (no lock, an unanswered submission not yet counted). */
export async function stopOf(ctx: HistoryContext, world: AccountWorld): Promise<{ code: ErrorCode; since: string } | undefined> {
  const { password, totpSecret: secret } = world.config.credentials;
  const stop = await accountStop(recordOf(ctx, world), { password, totpSecret: secret }, ctx.machine.now());
  return stop ? { code: stop.cause, since: stop.since } : undefined;
}

/**
 * Ids of the submissions (of `factor`) the account's ledger holds with no answer, read through
 * its record as any reader would: what the home has committed (the file, the database's rows),
 * never a copy the login keeps.
 */
async function unansweredOf(ctx: HistoryContext, world: AccountWorld, factor?: Factor): Promise<Set<string>> {
  const ledger = await recordOf(ctx, world).readLedger(ctx.machine.now());
  return new Set((ledger?.submissions() ?? []).filter((s) => s.outcome === 'pending' && (factor === undefined || s.factor === factor)).map((s) => s.id));
}

/** One login as every command runs it, made by `via`; while the day has ledger faults still to come, its ledger writes meet them. */
export function loginAs(ctx: HistoryContext, world: AccountWorld, request: LoginRequest, via: string): Promise<LoginOutcome> {
  const record = recordOf(ctx, world);
  return loginUnderLedger(world.config, world.store.armed ? withFaultyLedger(record, world.store) : record, request, {
    via, logger: ctx.logger, now: ctx.machine.now, sleep: ctx.vt.sleepFor(world.index),
    perform: ctx.kite.performFor(world.index, via), session: ctx.kite.session, lockWaitMs: 1_000,
  }).finally(() => world.store.flushLate());
}

/** runMorning's deps for a morning of `via` (the daemon, `run --once`), its turn as given. */
export function morningDepsOf(ctx: HistoryContext, world: AccountWorld, via: string, turn: MorningDeps['turn']): MorningDeps {
  return {
    config: world.config, logger: ctx.logger, state: recordOf(ctx, world).morning, calendar: ctx.calendar,
    now: ctx.machine.now, sleep: ctx.vt.sleepFor(world.index), random: ctx.random, signal: new AbortController().signal, turn,
    notifier: { notify: () => Promise.resolve(), heartbeat: () => Promise.resolve() },
    attempt: async () => attemptOutcomeOf(await loginAs(ctx, world, { force: false }, via)),
    accountStop: () => stopOf(ctx, world),
  };
}
