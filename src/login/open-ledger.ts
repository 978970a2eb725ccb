import { readFile, rename } from 'node:fs/promises';
import type { Credentials } from '../config/index.js';
import { isErrorCode, StateError, type ErrorCode } from '../errors/index.js';
import { AccountLedger, type Account } from '../ledger/account-ledger.js';
import { fileLedgerStore, type LedgerStore } from '../ledger/ledger-store.js';
import type { Factor } from '../ledger/records.js';
import { stopIn } from '../ledger/stop-codes.js';
import { istDate } from '../time/ist.js';
import { sameCredentials, type Fingerprint } from '../state/credentials-fingerprint.js';
import type { AccountFiles } from './account-files.js';

export interface OpenedLedger {
  ledger: AccountLedger;
  account: Account;
  prints: Record<Factor, string>;
}

/**
 * Opens (or starts) the account's ledger. A new ledger carries over a stop left in the
 * state file of earlier versions when it was about these same credentials: an upgrade never
 * turns a stopped account into one that types its rejected password again.
 */
export async function openAccountLedger(
  files: AccountFiles,
  credentials: Credentials,
  now: Date,
  store: LedgerStore = fileLedgerStore(files.ledger),
): Promise<OpenedLedger> {
  const account: Account = { apiKey: credentials.apiKey, userId: credentials.userId };
  const secrets = { password: credentials.password, totpSecret: credentials.totpSecret };
  // Redis: the ledger this host kept in a file before REDIS_URL is never silently dropped.
  const carried = store.path === files.ledger ? undefined : await carryFileLedger(files, store, credentials, now);
  const existing = await AccountLedger.open(store, account, now, { create: false });
  if (existing && carried?.stop) {
    const prints = await existing.prints(account, secrets);
    const { factor } = carried.stop;
    await existing.recordStop({ at: new Date(Date.parse(carried.stop.since) || now.getTime()), code: carried.stop.code, factor, print: prints[factor], note: `carried over from ${carried.from}` });
  }
  if (existing && carried) await moveAside(carried.from);
  if (existing) return { ledger: existing, account, prints: await existing.prints(account, secrets) };

  const legacy = await legacyHalt(files.legacyState);
  const ledger = await AccountLedger.open(store, account, now, { create: true }) as AccountLedger;
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
export const MOVED_TO_REDIS = '.moved-to-redis';

/**
 * The account's file ledger, when this host kept one before REDIS_URL was set. When Redis has
 * no ledger for the account yet, the file's whole text becomes it (its salt, submissions and
 * stops: the day's budgets stay spent). When Redis already has one (another host's), the
 * file's stop, if any, is carried over (its submissions are not: Redis counts the day's
 * budgets on its own). The caller then renames the file `<name>.moved-to-redis`, so it is
 * carried once. Called under the account's lock.
 */
async function carryFileLedger(files: AccountFiles, store: LedgerStore, credentials: Credentials, now: Date): Promise<{ from: string; stop?: { code: ErrorCode; since: string; factor: Factor } } | undefined> {
  const file = fileLedgerStore(files.ledger);
  const account: Account = { apiKey: credentials.apiKey, userId: credentials.userId };
  const fileLedger = await AccountLedger.open(file, account, now, { create: false });
  if (!fileLedger) return undefined;
  if (await store.read() === undefined) {
    const text = await file.read();
    try {
      if (text !== undefined) await store.create(text);
      return { from: files.ledger };
    } catch (error) {
      // Another host created it meanwhile: carry the stop over instead.
      if ((error as { code?: unknown }).code !== 'EEXIST') throw new StateError(store.path, `the file ledger ${files.ledger} could not be copied to Redis (${(error as { code?: unknown }).code === undefined ? 'error' : String((error as { code?: unknown }).code)}).`);
    }
  }
  const prints = await fileLedger.prints(account, { password: credentials.password, totpSecret: credentials.totpSecret });
  await fileLedger.settleOrphans(now);
  const stop = stopIn(fileLedger.judge(istDate(now), prints, true).refusal);
  return { from: files.ledger, ...(stop ? { stop: { code: stop.cause, since: stop.since, factor: stop.factor } } : {}) };
}

async function moveAside(path: string): Promise<void> {
  try {
    await rename(path, `${path}${MOVED_TO_REDIS}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StateError(path, `the file ledger was carried over to Redis but cannot be renamed to ${path}${MOVED_TO_REDIS} (${(error as NodeJS.ErrnoException).code ?? 'error'}); rename it by hand.`);
  }
}
