import { ACCOUNT_KEYS, CREDENTIAL_KEYS, DEFAULTABLE_KEYS, DEFAULTS_KEYS, TOP_LEVEL_KEYS, type CredentialKey } from './account-keys.js';
import {
  at, checkKeys, readCredential, readName, readTokenFile, required,
  type Got, type Mapping, type ResolveContext,
} from './account-fields.js';

export { at, fsCode, type ResolveContext } from './account-fields.js';

/*
 * Step two of loading ACCOUNTS_FILE: the parsed YAML checked and resolved into one
 * environment overlay per account. Every problem is collected (none stops the others from
 * being checked); each names its place in the file and never a value.
 */

/**
 * One account as the environment a single-account user would set: loadLoginConfig applies
 * unchanged. A type, not an interface, so that it is a RawConfig as it stands.
 */
export type AccountEnv = {
  KITE_API_KEY: string;
  KITE_API_SECRET: string;
  /** Upper case, as loadLoginConfig makes it. */
  KITE_USER_ID: string;
  /** Exactly as given (a password may begin or end with a space). */
  KITE_PASSWORD: string;
  KITE_TOTP_SECRET: string;
  KITE_REDIRECT_URL: string;
  /** Absolute: `token_file`, or `<folder of TOKEN_FILE>/<USER_ID>.json`. */
  TOKEN_FILE: string;
};

export interface AccountSettings {
  /** Where the account stands in `accounts`, from 0 (what JOB_COMPLETION_INDEX picks). */
  index: number;
  /** The optional `name`: a label for status and alerts. */
  name?: string;
  /** Upper case, e.g. `AB1234`. */
  userId: string;
  /** How problems name this account, e.g. `ACCOUNTS_FILE accounts[1] (CD5678)`. */
  place: string;
  env: AccountEnv;
  /**
   * The variables of `env` whose values the file could not give (their problems are reported
   * already, and their values are blank): the rest of the account's configuration is still
   * checked, so every problem comes out in one round. Empty for an account complete in itself.
   */
  reported: (keyof AccountEnv)[];
}


/** What tells accounts apart, known even for an account with other problems. */
interface Identity {
  index: number;
  place: string;
  userId: string;
  apiKey: string | undefined;
  tokenFile: string | undefined;
}


const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function resolveAccounts(document: unknown, context: ResolveContext): AccountSettings[] {
  const { problems } = context;
  const problem = (path: string, message: string): void => { problems.push({ variable: at(path), message }); };

  if (!isMapping(document)) {
    problem('', document === null || document === undefined
      ? 'is empty; it needs an `accounts:` list (see the README)'
      : 'must be a mapping with `accounts:` (and optionally `defaults:`) at the top level');
    return [];
  }
  checkKeys(document, '', TOP_LEVEL_KEYS, context);

  let defaults: Partial<Record<CredentialKey, Got>> = {};
  if (isMapping(document.defaults)) defaults = readDefaults(document.defaults, context);
  else if (document.defaults !== undefined && document.defaults !== null) {
    problem('defaults', 'must be a mapping of keys such as api_key and api_secret_file');
  }

  const list = document.accounts;
  if (!Array.isArray(list)) {
    problem('accounts', list === undefined || list === null
      ? 'is required: a list of accounts, each with at least user_id, password and totp_secret (or their _file forms)'
      : 'must be a list: each account starts with `- user_id: ...`');
    return [];
  }
  if (list.length === 0) {
    problem('accounts', 'lists no account; add at least one `- user_id: ...`');
    return [];
  }

  const identities: Identity[] = [];
  const accounts = list.flatMap((item: unknown, index) => {
    const account = readAccount(item, index, defaults, context, identities);
    return account === undefined ? [] : [account];
  });
  checkUnique(identities, context);
  // The accounts complete in themselves, even beside problems: their configuration is checked too, so every problem comes out at once.
  return accounts;
}

/** The variable each key of the file stands for. */
const VARIABLE_OF: Readonly<Record<CredentialKey, keyof AccountEnv>> = {
  api_key: 'KITE_API_KEY', api_secret: 'KITE_API_SECRET', user_id: 'KITE_USER_ID', password: 'KITE_PASSWORD',
  totp_secret: 'KITE_TOTP_SECRET', redirect_url: 'KITE_REDIRECT_URL',
};

function readDefaults(map: Mapping, context: ResolveContext): Partial<Record<CredentialKey, Got>> {
  for (const key of Object.keys(map)) {
    if (!ACCOUNT_KEYS.includes(key) || DEFAULTS_KEYS.includes(key)) continue;
    const why = key.startsWith('totp_secret')
      ? 'cannot be shared: every Kite account has its own TOTP secret; set it in each account'
      : 'tells one account from another, so it belongs in each account, not in defaults';
    context.problems.push({ variable: at(`defaults.${key}`), message: why });
  }
  checkKeys(map, 'defaults', DEFAULTS_KEYS, context, ACCOUNT_KEYS);
  const out: Partial<Record<CredentialKey, Got>> = {};
  for (const key of CREDENTIAL_KEYS) {
    if (!DEFAULTABLE_KEYS.has(key)) continue;
    const got = readCredential(map, key, 'defaults', context);
    if (got !== undefined) out[key] = got;
  }
  return out;
}

function readAccount(
  item: unknown, index: number, defaults: Partial<Record<CredentialKey, Got>>, context: ResolveContext, identities: Identity[],
): AccountSettings | undefined {
  const bare = `accounts[${index}]`;
  if (!isMapping(item)) {
    context.problems.push({ variable: at(bare), message: 'must be a mapping of keys such as user_id, password_file and totp_secret_file' });
    return undefined;
  }
  const userId = readCredential(item, 'user_id', bare, context);
  const place = userId?.ok ? `${bare} (${userId.value})` : bare;
  checkKeys(item, place, ACCOUNT_KEYS, context);

  const values: Partial<Record<CredentialKey, string>> = {};
  const reported: (keyof AccountEnv)[] = [];
  if (userId === undefined) required('user_id', place, context);
  if (userId?.ok === true) values.user_id = userId.value;
  else reported.push(VARIABLE_OF.user_id);
  for (const key of CREDENTIAL_KEYS) {
    if (key === 'user_id') continue;
    const got = readCredential(item, key, place, context) ?? (DEFAULTABLE_KEYS.has(key) ? defaults[key] : undefined);
    if (got === undefined) required(key, place, context);
    if (got?.ok === true) values[key] = got.value;
    else reported.push(VARIABLE_OF[key]);
  }

  const name = readName(item, place, context);
  const tokenFile = readTokenFile(item, place, values.user_id, context);
  if (values.user_id !== undefined) identities.push({ index, place: at(place), userId: values.user_id, apiKey: values.api_key, tokenFile });
  if (tokenFile === undefined) reported.push('TOKEN_FILE');
  const env: AccountEnv = {
    KITE_API_KEY: values.api_key ?? '',
    KITE_API_SECRET: values.api_secret ?? '',
    KITE_USER_ID: values.user_id ?? '',
    KITE_PASSWORD: values.password ?? '',
    KITE_TOTP_SECRET: values.totp_secret ?? '',
    KITE_REDIRECT_URL: values.redirect_url ?? '',
    TOKEN_FILE: tokenFile ?? '',
  };
  const settings: AccountSettings = { index, userId: env.KITE_USER_ID, place: at(place), env, reported };
  if (name !== undefined && name !== false) settings.name = name;
  return settings;
}

/**
 * One entry per user id, and one token file per account. Kite counts wrong passwords and
 * codes per user, whatever the app: one user under two api_keys would have two ledgers, two
 * budgets and two locks, and could spend more of Kite's five attempts than one ledger allows.
 */
function checkUnique(identities: readonly Identity[], context: ResolveContext): void {
  const users = new Map<string, Identity>();
  const tokenFiles = new Map<string, Identity>();
  for (const account of identities) {
    const first = users.get(account.userId);
    if (first !== undefined) {
      context.problems.push({
        variable: `${account.place}.user_id`,
        message: first.apiKey === account.apiKey
          ? `is the same user id on the same api_key as accounts[${first.index}]; list each account once`
          : `is the same user id as accounts[${first.index}] (on another api_key): Kite counts wrong attempts per user, so each user is listed once, with one app`,
      });
      continue; // its token file is then the same too: one mistake, one problem
    }
    users.set(account.userId, account);
    if (account.tokenFile === undefined) continue;
    const sharer = tokenFiles.get(account.tokenFile);
    if (sharer !== undefined) {
      context.problems.push({
        variable: `${account.place}.token_file`,
        message: `is the same file as the token file of accounts[${sharer.index}]; give each account a token_file of its own`,
      });
    } else tokenFiles.set(account.tokenFile, account);
  }
}
