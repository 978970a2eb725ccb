import { dirname, resolve } from 'node:path';
import { isHttpUrl } from '../config/variables.js';
import {
  DEFAULTABLE_KEYS, DESCRIPTION_OF, SECRET_KEYS, VARIABLE_OF, fileKey, suggestKeys, type CredentialKey,
} from './account-keys.js';
import type { ConfigProblem } from '../errors/config-error.js';

/*
 * The fields of one mapping of ACCOUNTS_FILE (an account, or `defaults`): each read and checked
 * on its own, every problem reported (naming its place in the file, never a value).
 */

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
export type Got = { ok: true; value: string; fromFile: boolean } | { ok: false };
export type Mapping = Record<string, unknown>;
const NAME_MAX = 40;
const USER_ID = /^[A-Za-z0-9]{1,20}$/;
/** Keys are named in problems, but one that does not look like a key could be a pasted secret. */
const PRINTABLE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,39}$/;

const isControl = (char: string): boolean => { const code = char.charCodeAt(0); return code < 0x20 || code === 0x7f; };

export const at = (path: string): string => (path ? `ACCOUNTS_FILE ${path}` : 'ACCOUNTS_FILE');

export function required(key: CredentialKey, place: string, context: ResolveContext): void {
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
export function readCredential(map: Mapping, key: CredentialKey, place: string, context: ResolveContext): Got | undefined {
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
export function readName(map: Mapping, place: string, context: ResolveContext): string | undefined | false {
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
export function readTokenFile(map: Mapping, place: string, userId: string | undefined, context: ResolveContext): string | undefined {
  if (Object.hasOwn(map, 'token_file')) {
    const text = scalarText(map.token_file, `${place}.token_file`, context);
    return text === undefined ? undefined : resolve(context.baseDir, text.trim());
  }
  return userId === undefined ? undefined : resolve(dirname(context.tokenFile), `${userId}.json`);
}

/** A YAML scalar that is text; anything else is reported (without the value). */
export function scalarText(value: unknown, path: string, context: ResolveContext): string | undefined {
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
export function checkKeys(map: Mapping, place: string, allowed: readonly string[], context: ResolveContext, elsewhere: readonly string[] = []): void {
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

export function fsCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'unreadable';
}
