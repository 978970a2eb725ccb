import { readTextSync } from '../disk/read.js';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { ConfigProblem } from '../errors/config-error.js';

/** Variables that may instead be given as `NAME_FILE=/path` (Docker secrets). */
export const FILE_VARIABLES = [
  'KITE_API_KEY', 'KITE_API_SECRET', 'KITE_USER_ID', 'KITE_PASSWORD', 'KITE_TOTP_SECRET',
  'TELEGRAM_BOT_TOKEN', 'WEBHOOK_URL', 'HEARTBEAT_URL', 'REDIS_URL', 'DATABASE_URL',
  // A command line may carry something private (a header, a key in a URL): it may live in a 0600 file too.
  'ON_TOKEN_COMMAND',
] as const;

/** The credentials of a real login; when none is set the tool is "unconfigured". */
export const CREDENTIAL_VARIABLES = [
  'KITE_API_KEY', 'KITE_API_SECRET', 'KITE_USER_ID', 'KITE_PASSWORD', 'KITE_TOTP_SECRET',
] as const;

export type RawConfig = Readonly<Record<string, string | undefined>>;

export interface ReadOptions {
  /** The process environment. */
  env: RawConfig;
  /** Where `.env` is looked for. */
  cwd: string;
  /** Reads a file as text; tests hand in a fake. Default: node:fs. */
  readFile?: (path: string) => string;
}

export interface ReadResult {
  raw: Record<string, string | undefined>;
  problems: ConfigProblem[];
}

const readText = (path: string): string => readTextSync(path);

/**
 * dotenv's own parser, loaded only when there is a `.env` to parse: most runs (the
 * container, the HEALTHCHECK every 30 s) have none, and loading dotenv costs them time.
 */
const parseDotenv = (text: string): Record<string, string> =>
  (createRequire(import.meta.url)('dotenv') as typeof import('dotenv')).parse(text);

/**
 * Step one of two: gather the raw strings. The real environment beats `.env`; `NAME_FILE`
 * fills `NAME` from a file (trailing newline dropped). Nothing is validated here except
 * what only this step can see (unreadable files, a variable given twice, a `.env` value
 * cut short by an unquoted `#`).
 */
export function readConfig({ env, cwd, readFile = readText }: ReadOptions): ReadResult {
  const problems: ConfigProblem[] = [];
  let fromDotenv: Record<string, string> = {};
  const dotenvPath = resolve(cwd, '.env');
  try {
    const text = readFile(dotenvPath);
    fromDotenv = parseDotenv(text);
    for (const name of namesCutByHash(text)) {
      if (env[name] !== undefined) continue; // the real environment wins: that value is not used
      problems.push({
        variable: name,
        message: `its value in ${dotenvPath} contains an unquoted # that .env reads as the start of a comment, cutting the value there; put the whole value in single quotes: ${name}='...'`,
      });
    }
  } catch (error) {
    if (!isMissingFile(error)) problems.push({ variable: '.env', message: `cannot read ${dotenvPath} (${describeFsError(error)})` });
  }
  const raw: Record<string, string | undefined> = { ...fromDotenv };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) raw[key] = value;

  for (const name of FILE_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const path = nonEmpty(raw[fileVar]);
    if (path === undefined) continue;
    if (nonEmpty(raw[name]) !== undefined) {
      problems.push({ variable: name, message: `set both ${name} and ${fileVar}; keep one` });
      continue;
    }
    try {
      raw[name] = readFile(resolve(cwd, path)).replace(/\r?\n$/, '');
    } catch (error) {
      problems.push({ variable: fileVar, message: `cannot read the file it names (${describeFsError(error)})` });
    }
  }
  return { raw, problems };
}

/** True when no credential is set at all, neither directly nor as a file. */
export function isUnconfigured(raw: RawConfig): boolean {
  return CREDENTIAL_VARIABLES.every((name) => nonEmpty(raw[name]) === undefined && nonEmpty(raw[`${name}_FILE`]) === undefined);
}

export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function isMissingFile(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

function describeFsError(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'unreadable';
}

/*
 * Here rather than in a module of its own: every command reads the configuration, and each
 * module costs start-up time.
 *
 * dotenv 17's line pattern (lib/main.js `LINE`), with capture groups added around the parts
 * it matches anyway: 1 name, 2 the `=` or `:`, 3 a quoted value, 4 an unquoted value,
 * 5 a trailing comment. An unquoted value is `[^#\r\n]+`, so ANY `#` in it (leading, with
 * or without a space before it) ends the value and starts a comment; only '…', "…" or `…`
 * keep a `#`, and a backslash does not escape it. Groups do not change what matches, so
 * this reads the file exactly as `dotenv.parse` does.
 */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(\s*=\s*?|:\s+?)(?:(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`)|([^#\r\n]+))?\s*(#.*)?(?:$|$)/dmg;

/**
 * The variables of a `.env` text whose value dotenv cuts at an unquoted `#` (`NAME=va#lue`,
 * `NAME=value # note`, `NAME=#value`). A `#` line of its own, or one after a quoted value,
 * is a comment and not reported. Like dotenv, the last line of a name is the one that counts.
 */
export function namesCutByHash(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n');
  const cut = new Map<string, boolean>();
  for (const match of lines.matchAll(LINE)) {
    const name = match[1];
    const separator = match.indices?.[2];
    const comment = match.indices?.[5];
    if (name === undefined || separator === undefined) continue;
    const sameLine = comment !== undefined && !lines.slice(separator[1], comment[0]).includes('\n');
    cut.set(name, sameLine && match[3] === undefined);
  }
  return [...cut].filter(([, isCut]) => isCut).map(([name]) => name);
}
