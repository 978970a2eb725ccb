import { readText } from '../disk/read.js';
import { isErrorCode, type ErrorCode } from '../errors/error-code.js';
import { StateError } from '../errors/state-error.js';
import type { AccountLedger } from '../ledger/account-ledger.js';
import type { Factor } from '../ledger/records.js';
import { sameCredentials, type Fingerprint } from '../state/credentials-fingerprint.js';
import { dirname, join } from 'node:path';
import type { Account, Secrets } from './record.js';

/** The state file of versions before the ledger: one per token folder, read to carry a stop over into a new ledger (either home). */
export function legacyStatePath(tokenFile: string): string {
  return join(dirname(tokenFile), 'kite-autologin-state.json');
}

interface LegacyHalt { at: string; code: ErrorCode; credentials: Fingerprint }

/**
 * A new ledger carries over a stop left in the state file of versions before the ledger when
 * it was about these same credentials: an upgrade never turns a stopped account into one that
 * types its rejected password again.
 */
export async function carryLegacyHalt(ledger: AccountLedger, prints: Record<Factor, string>, secrets: Secrets, account: Account, path: string, now: Date): Promise<void> {
  const legacy = await legacyHalt(path);
  if (!legacy || !sameCredentials({ ...account, ...secrets }, legacy.credentials)) return;
  const factor: Factor = legacy.code === 'TOTP_REJECTED' ? 'totp' : 'password';
  await ledger.recordStop({ at: new Date(Date.parse(legacy.at) || now.getTime()), code: legacy.code, factor, print: prints[factor], note: `carried over from ${path}` });
}

async function legacyHalt(path: string): Promise<LegacyHalt | undefined> {
  let text: string;
  try {
    text = await readText(path);
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
