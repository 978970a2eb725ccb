/*
 * The keys of ACCOUNTS_FILE and where each may stand, with the "did you mean" for a key
 * that is none of them. Pure: no file is read here.
 */

/** The credentials: each may be written in place (`password`) or read from a file (`password_file`). */
export const CREDENTIAL_KEYS = ['api_key', 'api_secret', 'user_id', 'password', 'totp_secret', 'redirect_url'] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

/** Written in place, these are refused while the accounts file is readable by group or others. */
export const SECRET_KEYS: ReadonlySet<CredentialKey> = new Set(['api_secret', 'password', 'totp_secret']);

/**
 * What `defaults` may give. Not `user_id`, `name` or `token_file` (they tell accounts apart),
 * and not `totp_secret`: every Kite account that enables external TOTP gets its own random
 * secret, so one shared by several accounts can only be a mistake.
 */
export const DEFAULTABLE_KEYS: ReadonlySet<CredentialKey> = new Set(['api_key', 'api_secret', 'password', 'redirect_url']);

/** The environment variable a single-account user sets for each credential. */
export const VARIABLE_OF: Readonly<Record<CredentialKey, string>> = {
  api_key: 'KITE_API_KEY',
  api_secret: 'KITE_API_SECRET',
  user_id: 'KITE_USER_ID',
  password: 'KITE_PASSWORD',
  totp_secret: 'KITE_TOTP_SECRET',
  redirect_url: 'KITE_REDIRECT_URL',
};

/** What a right value is, for "is required" messages. */
export const DESCRIPTION_OF: Readonly<Record<CredentialKey, string>> = {
  api_key: 'the api_key of your Kite Connect app (developers.kite.trade)',
  api_secret: 'the api_secret of your Kite Connect app',
  user_id: 'the Zerodha user id, e.g. AB1234',
  password: 'the Zerodha password',
  totp_secret: 'the base32 TOTP secret (or its otpauth:// URI) from enabling external TOTP on Kite',
  redirect_url: 'the redirect URL registered for your Kite Connect app, e.g. http://127.0.0.1/kite-redirect',
};

export const fileKey = (key: CredentialKey): string => `${key}_file`;

export const TOP_LEVEL_KEYS = ['defaults', 'accounts'] as const;
export const ACCOUNT_KEYS: readonly string[] = [...CREDENTIAL_KEYS.flatMap((key) => [key, fileKey(key)]), 'token_file', 'name'];
export const DEFAULTS_KEYS: readonly string[] = CREDENTIAL_KEYS.filter((key) => DEFAULTABLE_KEYS.has(key)).flatMap((key) => [key, fileKey(key)]);

/** Other names people give these keys (Zerodha itself says "client id"). */
const SYNONYMS: Readonly<Record<string, string>> = {
  clientid: 'user_id', client: 'user_id', username: 'user_id', user: 'user_id', login: 'user_id', id: 'user_id',
  pass: 'password', passwd: 'password', pwd: 'password', pw: 'password',
  totp: 'totp_secret', otp: 'totp_secret', totpkey: 'totp_secret', otpsecret: 'totp_secret', totpseed: 'totp_secret',
  apisecretkey: 'api_secret', key: 'api_key', apikeyid: 'api_key',
  redirect: 'redirect_url', redirecturi: 'redirect_url', callback: 'redirect_url', callbackurl: 'redirect_url',
  token: 'token_file', tokenpath: 'token_file', label: 'name', alias: 'name', title: 'name', displayname: 'name',
  account: 'accounts', users: 'accounts', default: 'defaults', common: 'defaults',
};

/** `KITE_TOTP_SECRET`, `totpSecret` and `totp-secret` all read as `totpsecret`. */
const normalise = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/^kite(?=.)/, '');

/**
 * The keys `unknown` was probably meant to be, best first; empty when nothing is close.
 * A spelling slip or another case (`pasword`, `totpSecret`, `KITE_PASSWORD`), a known
 * synonym (`client_id`), or a shortening (`totp`, `token`).
 */
export function suggestKeys(unknown: string, known: readonly string[]): string[] {
  const wanted = normalise(unknown);
  if (wanted.length === 0) return [];
  const byNorm = new Map(known.map((key) => [normalise(key), key]));
  const exact = byNorm.get(wanted);
  if (exact !== undefined) return [exact];
  const synonym = SYNONYMS[wanted];
  if (synonym !== undefined && known.includes(synonym)) return [synonym];
  const withFile = wanted.endsWith('file');
  const near = [...byNorm].filter(([norm]) => editDistance(norm, wanted) <= (wanted.length >= 5 ? 2 : 1)).map(([, key]) => key);
  if (near.length > 0) return near;
  if (wanted.length < 3) return [];
  // A shortening or a longer spelling: `_file` variants only when a file was meant.
  return [...byNorm]
    .filter(([norm]) => (norm.includes(wanted) || wanted.includes(norm)) && (withFile || !norm.endsWith('file') || norm === 'tokenfile'))
    .map(([, key]) => key);
}

/** Edit distance counting a swap of two neighbours as one edit (`nmae` is one slip from `name`). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
