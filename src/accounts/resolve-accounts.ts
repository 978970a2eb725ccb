import { dirname, resolve } from 'node:path';
import { isHttpUrl } from '../config/variables.js';
import type { ConfigProblem } from '../errors/config-error.js';
import {
  ACCOUNT_KEYS, CREDENTIAL_KEYS, DEFAULTABLE_KEYS, DEFAULTS_KEYS, DESCRIPTION_OF, SECRET_KEYS, TOP_LEVEL_KEYS, VARIABLE_OF,
  fileKey, suggestKeys, type CredentialKey,
} from './account-keys.js';

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
}

export interface ResolveContext {
  /** Relative `*_file` and `token_file` paths resolve against this: the accounts file's folder. */
  baseDir: string;
  /** TOKEN_FILE, absolute: its folder holds the accounts' token files by default. */
  tokenFile: string;
  readFile: (path: string) => string;
  /** Whether group or others may read the accounts file; reports its own problem when it cannot tell. */
  isExposed: () => boolean;
  problems: ConfigProblem[];
}

/** A value that was given and is usable, or one whose problem is already reported. */
type Got = { ok: true; value: string; fromFile: boolean } | { ok: false };
type Mapping = Record<string, unknown>;
/** What tells accounts apart, known even for an account with other problems. */
interface Identity {
  index: number;
  place: string;
  userId: string;
  apiKey: string | undefined;
  tokenFile: string | undefined;
}

export const at = (path: string): string => (path ? `ACCOUNTS_FILE ${path}` : 'ACCOUNTS_FILE');

const NAME_MAX = 40;
const USER_ID = /^[A-Za-z0-9]{1,20}$/;
/** Keys are named in problems, but one that does not look like a key could be a pasted secret. */
const PRINTABLE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,39}$/;

const isControl = (char: string): boolean => { const code = char.charCodeAt(0); return code < 0x20 || code === 0x7f; };

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
  return problems.length > 0 ? [] : accounts;
}

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
  let complete = userId?.ok === true;
  if (userId === undefined) required('user_id', place, context);
  else if (userId.ok) values.user_id = userId.value;
  for (const key of CREDENTIAL_KEYS) {
    if (key === 'user_id') continue;
    const got = readCredential(item, key, place, context) ?? (DEFAULTABLE_KEYS.has(key) ? defaults[key] : undefined);
    if (got === undefined) required(key, place, context);
    if (got?.ok === true) values[key] = got.value;
    else complete = false;
  }

  const name = readName(item, place, context);
  const tokenFile = readTokenFile(item, place, values.user_id, context);
  if (values.user_id !== undefined) identities.push({ index, place: at(place), userId: values.user_id, apiKey: values.api_key, tokenFile });
  if (!complete || name === false || tokenFile === undefined) return undefined;
  const env: AccountEnv = {
    KITE_API_KEY: values.api_key ?? '',
    KITE_API_SECRET: values.api_secret ?? '',
    KITE_USER_ID: values.user_id ?? '',
    KITE_PASSWORD: values.password ?? '',
    KITE_TOTP_SECRET: values.totp_secret ?? '',
    KITE_REDIRECT_URL: values.redirect_url ?? '',
    TOKEN_FILE: tokenFile,
  };
  const settings: AccountSettings = { index, userId: env.KITE_USER_ID, place: at(place), env };
  if (name !== undefined) settings.name = name;
  return settings;
}

function required(key: CredentialKey, place: string, context: ResolveContext): void {
  const where = DEFAULTABLE_KEYS.has(key) ? 'in this account or in defaults' : 'in this account';
  context.problems.push({
    variable: at(`${place}.${key}`),
    message: `is required: ${DESCRIPTION_OF[key]}; set ${key} or ${fileKey(key)} ${where} (it stands for ${VARIABLE_OF[key]})`,
  });
}

/**
 * `key` or `key_file` from `map`: undefined when neither is there. A value written in the
 * file must be text; a file's content loses one trailing newline, as `*_FILE` variables do.
 */
function readCredential(map: Mapping, key: CredentialKey, place: string, context: ResolveContext): Got | undefined {
  const problem = (where: string, message: string): Got => {
    context.problems.push({ variable: at(`${place}.${where}`), message });
    return { ok: false };
  };
  const inPlace = Object.hasOwn(map, key);
  const asFile = Object.hasOwn(map, fileKey(key));
  if (!inPlace && !asFile) return undefined;
  if (inPlace && asFile) return problem(key, `is given both as ${key} and as ${fileKey(key)}; keep one`);

  let got: Got;
  if (inPlace) {
    const text = scalarText(map[key], `${place}.${key}`, context);
    if (text === undefined) return { ok: false };
    if (SECRET_KEYS.has(key) && context.isExposed()) {
      return problem(key, `is written in the accounts file, which group or others may read; run chmod 600 on that file, or put the value in a file of its own and use ${fileKey(key)}`);
    }
    got = { ok: true, value: text, fromFile: false };
  } else {
    const path = scalarText(map[fileKey(key)], `${place}.${fileKey(key)}`, context);
    if (path === undefined) return { ok: false };
    let content: string;
    try {
      content = context.readFile(resolve(context.baseDir, path.trim())).replace(/\r?\n$/, '');
    } catch (error) {
      return problem(fileKey(key), `cannot read the file it names (${fsCode(error)})`);
    }
    if (content.trim() === '') return problem(fileKey(key), 'names an empty file');
    got = { ok: true, value: content, fromFile: true };
  }

  const where = got.fromFile ? fileKey(key) : key;
  const holds = got.fromFile ? 'the file it names must hold' : 'must be';
  // The password is kept exactly as given; everything else loses surrounding spaces, as in the environment.
  const value = key === 'password' ? got.value : got.value.trim();
  if (key === 'user_id') {
    if (!USER_ID.test(value)) return problem(where, `${holds} a Zerodha user id: letters and digits only, e.g. AB1234`);
    return { ...got, value: value.toUpperCase() };
  }
  if (key === 'redirect_url' && !isHttpUrl(value)) {
    return problem(where, `${holds} an absolute http(s) URL, e.g. http://127.0.0.1/kite-redirect`);
  }
  return { ...got, value };
}

/** `name`: undefined when absent, false when wrong (reported). */
function readName(map: Mapping, place: string, context: ResolveContext): string | undefined | false {
  if (!Object.hasOwn(map, 'name')) return undefined;
  const text = scalarText(map.name, `${place}.name`, context);
  if (text === undefined) return false;
  const name = text.trim();
  if (name.length > NAME_MAX || Array.from(name).some(isControl)) {
    context.problems.push({ variable: at(`${place}.name`), message: `must be a short label on one line, at most ${NAME_MAX} characters, e.g. Mother` });
    return false;
  }
  return name;
}

/** `token_file`, absolute; the default needs the user id. Undefined when it cannot be known. */
function readTokenFile(map: Mapping, place: string, userId: string | undefined, context: ResolveContext): string | undefined {
  if (Object.hasOwn(map, 'token_file')) {
    const text = scalarText(map.token_file, `${place}.token_file`, context);
    return text === undefined ? undefined : resolve(context.baseDir, text.trim());
  }
  return userId === undefined ? undefined : resolve(dirname(context.tokenFile), `${userId}.json`);
}

/** A YAML scalar that is text; anything else is reported (without the value). */
function scalarText(value: unknown, path: string, context: ResolveContext): string | undefined {
  let message: string;
  if (typeof value === 'string') {
    if (value.trim() !== '') return value;
    message = 'is empty';
  } else if (value === null || value === undefined) {
    message = 'has no value';
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    message = `must be text, but YAML reads it as a ${typeof value === 'boolean' ? 'true/false' : 'number'} (which can change it, e.g. drop leading zeros); put the value in quotes`;
  } else if (Array.isArray(value)) {
    message = 'must be a single value, not a list';
  } else {
    message = 'must be a single value, not a mapping';
  }
  context.problems.push({ variable: at(path), message });
  return undefined;
}

/** Reports every key of `map` that is not one of `allowed` (keys `elsewhere` allows are reported by the caller). */
function checkKeys(map: Mapping, place: string, allowed: readonly string[], context: ResolveContext, elsewhere: readonly string[] = []): void {
  const inside = (key: string): string => (place ? `${place}.${key}` : key);
  for (const key of Object.keys(map)) {
    if (allowed.includes(key) || elsewhere.includes(key)) continue;
    if (!PRINTABLE_KEY.test(key)) {
      context.problems.push({ variable: at(place), message: `has a key that is not a key name (not shown, in case it is a value); the keys here are ${allowed.join(', ')}` });
      continue;
    }
    const guesses = suggestKeys(key, allowed);
    context.problems.push({
      variable: at(inside(key)),
      message: guesses.length > 0 ? `is not a key here; did you mean ${guesses.join(' or ')}?` : `is not a key here; the keys here are ${allowed.join(', ')}`,
    });
  }
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

export function fsCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'unreadable';
}
