import { createHmac } from 'node:crypto';
import type { SimAccount, SimApp } from './kite-rules.js';
import { base32Encode } from './totp.js';

/** Up to this many accounts: user ids carry four digits, as real ones (AB1234) do. */
const MAX_ACCOUNTS = 9_999;

/** Bytes for `what`, the same for the same seed every time (test data, not secrets of anyone). */
function derived(seed: number, what: string): Buffer {
  return createHmac('sha256', `kite-simulator seed ${seed}`).update(what).digest();
}

export interface SimAccountsOptions {
  /** The user ids' two letters. Default `ZZ` (no real Zerodha client id starts so). */
  prefix?: string;
  /** The number of the first account. Default 1: `ZZ0001`. */
  first?: number;
}

/**
 * `n` accounts for one simulator, the same for the same `seed`: user ids `ZZ0001`, `ZZ0002`,
 * ...; each its own password and base32 TOTP secret (160 bits), derived from the seed and the
 * user id. Another seed gives other passwords and secrets for the same user ids.
 */
export function simAccounts(n: number, seed = 1, options: SimAccountsOptions = {}): SimAccount[] {
  const prefix = options.prefix ?? 'ZZ';
  const first = options.first ?? 1;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(first) || first < 0 || first + n - 1 > MAX_ACCOUNTS) {
    throw new RangeError(`simAccounts: n and first must give user numbers from 0 to ${MAX_ACCOUNTS}`);
  }
  if (!/^[A-Z]{2,3}$/.test(prefix)) throw new RangeError('simAccounts: prefix must be two or three capital letters');
  return Array.from({ length: n }, (_, index) => {
    const number = first + index;
    const userId = `${prefix}${String(number).padStart(4, '0')}`;
    return {
      userId,
      password: derived(seed, `password ${userId}`).toString('base64url').slice(0, 16),
      totpSecret: base32Encode(derived(seed, `totp ${userId}`).subarray(0, 20)),
      userName: `Simulated Trader ${number}`,
      email: `${userId.toLowerCase()}@example.invalid`,
    };
  });
}

export interface SimAppsOptions {
  /** Users who already gave each app consent (they skip the consent page). Default none. */
  authorizedUsers?: string[];
}

/**
 * `n` Kite Connect apps, the same for the same `seed`: each its own api_key, api_secret and
 * redirect URL (on the discard port, where nothing answers, as with most real ones).
 */
export function simApps(n: number, seed = 1, options: SimAppsOptions = {}): SimApp[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('simApps: n must be a whole number');
  return Array.from({ length: n }, (_, index) => {
    const number = index + 1;
    return {
      apiKey: `simapp${number}${derived(seed, `api_key ${number}`).toString('hex').slice(0, 10)}`,
      apiSecret: derived(seed, `api_secret ${number}`).toString('hex').slice(0, 32),
      redirectUrl: `http://127.0.0.1:9/kite-redirect/app${number}`,
      name: `Simulated app ${number}`,
      ...(options.authorizedUsers ? { authorizedUsers: [...options.authorizedUsers] } : {}),
    };
  });
}
