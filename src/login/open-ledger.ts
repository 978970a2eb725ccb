import { readFile, rename } from 'node:fs/promises';
import type { Credentials } from '../config/index.js';
import { isErrorCode, StateError, type ErrorCode } from '../errors/index.js';
import { AccountLedger, type Account } from '../ledger/account-ledger.js';
import { fileLedgerStore, type LedgerStore } from '../ledger/ledger-store.js';
import type { Factor, LedgerRecord } from '../ledger/records.js';
import { withAccountLock, type AccountLockOptions } from '../state/account-lock.js';
import { istDate } from '../time/ist.js';
import { sameCredentials, type Fingerprint } from '../state/credentials-fingerprint.js';
import type { AccountFiles } from './account-files.js';
import { ledgerWitness } from './ledger-witness.js';
import { MOVED_TO_REDIS, refuseMovedToRedis } from './moved-ledger.js';

export interface OpenedLedger {
  ledger: AccountLedger;
  account: Account;
  prints: Record<Factor, string>;
}

/**
 * Opens (or starts) the account's ledger. A new ledger carries over a stop left in the
 * state file of earlier versions when it was about these same credentials: an upgrade never
 * turns a stopped account into one that types its rejected password again. With Redis, the
 * file ledger this host kept before is carried in first (under the account's file lock too:
 * `fileLock` waits for it, default as acquireAccountLock). Without Redis, a ledger carried
 * into Redis earlier stops the login: a fresh file would forget its stops and spent budgets.
 */
export async function openAccountLedger(
  files: AccountFiles,
  credentials: Credentials,
  now: Date,
  store: LedgerStore = fileLedgerStore(files.ledger),
  fileLock: AccountLockOptions = {},
): Promise<OpenedLedger> {
  const account: Account = { apiKey: credentials.apiKey, userId: credentials.userId };
  const secrets = { password: credentials.password, totpSecret: credentials.totpSecret };
  // Redis: the ledger this host kept in a file before REDIS_URL is never silently dropped.
  if (store.path !== files.ledger) await carryFileLedger(files, store, credentials, now, fileLock);
  const inRedis = store.path !== files.ledger;
  const witness = inRedis ? ledgerWitness(files.redisSeen, store.path) : undefined;
  const existing = await AccountLedger.open(store, account, now, { create: false });
  if (existing) {
    await witness?.checkSame(existing);
    return { ledger: existing, account, prints: await existing.prints(account, secrets) };
  }
  if (!inRedis) await refuseMovedToRedis(files.ledger);
  await witness?.checkAbsent();

  const legacy = await legacyHalt(files.legacyState);
  const ledger = await AccountLedger.open(store, account, now, { create: true }) as AccountLedger;
  await witness?.checkSame(ledger);
  const prints = await ledger.prints(account, secrets);
  if (legacy && sameCredentials(credentials, legacy.credentials)) {
    const factor: Factor = legacy.code === 'TOTP_REJECTED' ? 'totp' : 'password';
    await ledger.recordStop({ at: new Date(Date.parse(legacy.at) || now.getTime()), code: legacy.code, factor, print: prints[factor], note: `carried over from ${files.legacyState}` });
  }
  return { ledger, account, prints };
}

interface LegacyHalt { at: string; code: ErrorCode; credentials: Fingerprint }

async function legacyHalt(path: string): Promise<LegacyHalt | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // No such file, or no such folder (the token's folder is checked, and named, by the preflight).
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw new StateError(path, `the state file of an earlier version cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); it may hold a stop after a rejected password. Fix its permissions, or check on kite.zerodha.com that nothing is wrong and move it aside.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StateError(path, 'the state file of an earlier version is not valid JSON; it may have held a stop after a rejected password. Check on kite.zerodha.com that nothing is wrong, then move it aside.');
  }
  const halt = typeof parsed === 'object' && parsed !== null ? (parsed as { halt?: unknown }).halt : undefined;
  if (typeof halt !== 'object' || halt === null) return undefined;
  const h = halt as Record<string, unknown>;
  const credentials = h['credentials'] as Record<string, unknown> | undefined;
  if (!isErrorCode(h['code']) || typeof credentials?.['salt'] !== 'string' || typeof credentials['hash'] !== 'string') {
    throw new StateError(path, 'the state file of an earlier version holds a stop that cannot be read. Check on kite.zerodha.com that nothing is wrong, then move it aside.');
  }
  return { at: typeof h['at'] === 'string' ? h['at'] : '', code: h['code'], credentials: { salt: credentials['salt'], hash: credentials['hash'] } };
}

/** A suffix that takes a carried-over file ledger out of use, and says where its records went. */

/**
 * The account's file ledger, when this host kept one before REDIS_URL was set, moved into
 * Redis and renamed `<name>.moved-to-redis` (so it is carried once), all under the account's
 * file lock: a process on this host without REDIS_URL may be mid-login, writing to it.
 * When Redis has no ledger for the account yet, the file's whole text becomes it (its salt,
 * submissions and stops). When Redis already has one (another host's), the file's
 * submissions of today and their answers are appended to it (the day's budgets stay spent),
 * then its stop, if any. Called under the account's Redis lock.
 */
async function carryFileLedger(files: AccountFiles, store: LedgerStore, credentials: Credentials, now: Date, fileLock: AccountLockOptions): Promise<void> {
  const file = fileLedgerStore(files.ledger);
  const account: Account = { apiKey: credentials.apiKey, userId: credentials.userId };
  // Only a host that kept a file ledger takes the file lock (a host that never did may have no STATE_DIR to lock in).
  if (!await AccountLedger.open(file, account, now, { create: false })) return;
  await withAccountLock(files.lock, async () => {
    const fileLedger = await AccountLedger.open(file, account, now, { create: false });
    if (!fileLedger) return; // another process on this host carried it meanwhile
    // Under the file lock, nobody waits for an answer the file lacks: it is unknown, as a login would record it.
    await fileLedger.settleOrphans(now);
    if (!await createFrom(file, store, files.ledger)) await appendToday(fileLedger, store, credentials, now);
    await moveAside(files.ledger);
  }, fileLock);
}

/** The whole file becomes the Redis ledger; false when Redis has one already. */
async function createFrom(file: LedgerStore, store: LedgerStore, from: string): Promise<boolean> {
  if (await store.read() !== undefined) return false;
  const text = await file.read();
  if (text === undefined) return false;
  try {
    await store.create(text);
    return true;
  } catch (error) {
    // Another host created it meanwhile: append to it instead.
    if ((error as { code?: unknown }).code === 'EEXIST') return false;
    throw new StateError(store.path, `the file ledger ${from} could not be copied to Redis (${codeOf(error)}).`);
  }
}

/**
 * Appends the file's submissions of today (IST) and their answers to the Redis ledger, in
 * one write, as the rules count them there: the budgets count every submission of the day
 * whatever its print; a stop needs the print of the credentials configured now, so a print
 * made with the file's salt for today's credentials is made again with Redis's. A submission
 * Redis already holds (same id: a carry cut short before the rename) is not appended again.
 * One made before this host's last `resume` must spend the budget but stop nothing: it keeps
 * the file's print (which matches no print of Redis's salt), and a `blocked` answer is carried
 * as `rejected` (both count the same against the TOTP budget). Then the file's stop, unless
 * Redis's ledger shows one already.
 */
async function appendToday(fileLedger: AccountLedger, store: LedgerStore, credentials: Credentials, now: Date): Promise<void> {
  const account: Account = { apiKey: credentials.apiKey, userId: credentials.userId };
  const secrets = { password: credentials.password, totpSecret: credentials.totpSecret };
  const target = await AccountLedger.open(store, account, now, { create: false });
  if (!target) throw new StateError(store.path, `the attempt ledger in Redis vanished while ${fileLedger.path} was carried into it; run again.`);
  const [filePrints, prints] = await Promise.all([fileLedger.prints(account, secrets), target.prints(account, secrets)]);
  const today = istDate(now);
  const records = fileLedger.records;
  const resumeIndex = records.findLastIndex((r) => r.type === 'resume');
  const known = new Set(target.records.flatMap((r) => (r.type === 'submit' ? [r.id] : [])));
  const answers = new Map(records.flatMap((r) => (r.type === 'outcome' ? [[r.id, r] as const] : [])));
  const lines: LedgerRecord[] = [];
  records.forEach((r, index) => {
    if (r.type !== 'submit' || r.day < today || known.has(r.id)) return;
    const resumed = index < resumeIndex;
    const current = r.print === filePrints[r.factor];
    lines.push({ ...r, print: current && !resumed ? prints[r.factor] : r.print });
    const answer = answers.get(r.id);
    if (answer) lines.push(resumed && answer.outcome === 'blocked' ? { ...answer, outcome: 'rejected' } : answer);
  });
  if (lines.length > 0) {
    try {
      await store.append(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    } catch (error) {
      throw new StateError(store.path, `the submissions of today in ${fileLedger.path} could not be carried into Redis (${codeOf(error)}); the file is left in place.`);
    }
  }
  const stop = fileLedger.judge(filePrints, true).stop;
  if (!stop) return;
  const carried = await AccountLedger.open(store, account, now, { create: false }) ?? target;
  if (carried.judge(prints, true).stop) return;
  await carried.recordStop({ at: new Date(Date.parse(stop.since) || now.getTime()), code: stop.cause, factor: stop.factor, print: prints[stop.factor], note: `carried over from ${fileLedger.path}` });
}


async function moveAside(path: string): Promise<void> {
  try {
    await rename(path, `${path}${MOVED_TO_REDIS}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StateError(path, `the file ledger was carried over to Redis but cannot be renamed to ${path}${MOVED_TO_REDIS} (${(error as NodeJS.ErrnoException).code ?? 'error'}); rename it by hand.`);
  }
}

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'error';
}
