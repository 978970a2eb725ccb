import { readFile } from 'node:fs/promises';
import type { Credentials } from '../config/index.js';
import { isErrorCode, StateError, type ErrorCode } from '../errors/index.js';
import { AccountLedger, type Account } from '../ledger/account-ledger.js';
import { fileLedgerStore, type LedgerStore } from '../ledger/ledger-store.js';
import type { Factor } from '../ledger/records.js';
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
  const existing = await AccountLedger.open(store, account, now, { create: false });
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
  return { at: String(h['at'] ?? ''), code: h['code'], credentials: { salt: credentials['salt'], hash: credentials['hash'] } };
}
