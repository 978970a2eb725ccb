import { dirname, resolve } from 'node:path';
import type { RawConfig } from './read.js';
import { isHttpUrl, Variables, type Outcome } from './variables.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every command may need. */
export interface BaseConfig {
  /** TOKEN_FILE, absolute. Default `./data/kite-token.json`. */
  tokenFile: string;
  /** STATE_DIR, absolute: each account's attempt ledger, state file and lock. Default: the token file's folder. */
  stateDir: string;
  /** DIAGNOSTICS_DIR, absolute. Default `diagnostics/` beside the token file. */
  diagnosticsDir: string;
  /** KITE_LOGIN_URL. Default `https://kite.zerodha.com/connect/login`. */
  loginUrl: string;
  /** KITE_API_ROOT. Default `https://api.kite.trade`. */
  apiRoot: string;
  /** CHROMIUM_PATH; when unset the browser is looked for (Playwright's own, then system paths). */
  chromiumPath: string | undefined;
  /** CHROMIUM_SANDBOX: `auto` (default: off only when running as root), `on` or `off`. */
  chromiumSandbox: 'auto' | 'on' | 'off';
  /** LOG_LEVEL; undefined when unset (see `logLevelFor`). */
  logLevel: LogLevel | undefined;
  /** STEP_TIMEOUT_SECONDS: the bound on every browser step, 1 to 600. Default 30. */
  stepTimeoutMs: number;
  /**
   * REDIS_URL, or the URL in the file REDIS_URL_FILE names: each new token is copied to Redis
   * and announced there (a cache and a bus: nothing else lives there). Undefined (the
   * default): no copy. The URL holds a password: never logged, never quoted in a problem.
   */
  redis?: RedisSetting | undefined;
  /**
   * DATABASE_URL, or the URL in the file DATABASE_URL_FILE names: every account's record
   * (ledger, lock, morning record, token) lives in PostgreSQL, shared by the hosts that use
   * it. Undefined (the default): files in STATE_DIR. The URL may hold a password: never
   * logged, never quoted in a problem.
   */
  database?: DatabaseSetting | undefined;
}

/** Where DATABASE_URL came from; src/account/postgres parses the URL itself (this layer only checks its scheme). */
export interface DatabaseSetting {
  url: string;
  /** The variable to name in a problem with it. */
  variable: 'DATABASE_URL' | 'DATABASE_URL_FILE';
}

/** Where REDIS_URL came from; src/redis parses the URL itself (this layer only checks its scheme). */
export interface RedisSetting {
  url: string;
  /** The variable to name in a problem with it. */
  variable: 'REDIS_URL' | 'REDIS_URL_FILE';
}

const LOGIN_URL = 'https://kite.zerodha.com/connect/login';
const API_ROOT = 'https://api.kite.trade';

/**
 * Step two of two: a pure check of the raw strings. Returns every problem at once, each
 * naming its variable and what a right value looks like, never the value itself.
 */
export function validateBase(raw: RawConfig, cwd: string): Outcome<BaseConfig> {
  const vars = new Variables(raw);
  const tokenFile = resolve(cwd, vars.text('TOKEN_FILE') ?? 'data/kite-token.json');
  const stateDir = vars.text('STATE_DIR');
  const diagnosticsDir = vars.text('DIAGNOSTICS_DIR');
  const loginUrl = vars.checked('KITE_LOGIN_URL', LOGIN_URL, isHttpUrl, `must be an absolute http(s) URL, e.g. ${LOGIN_URL}`);
  const apiRoot = vars.checked('KITE_API_ROOT', API_ROOT, isHttpUrl, `must be an absolute http(s) URL, e.g. ${API_ROOT}`);
  const chromiumPath = vars.text('CHROMIUM_PATH');
  const chromiumSandbox = vars.oneOf('CHROMIUM_SANDBOX', ['auto', 'on', 'off'], 'auto', 'must be auto, on or off');
  const logLevel = vars.oneOf('LOG_LEVEL', LOG_LEVELS, undefined, `must be one of ${LOG_LEVELS.join(', ')}`);
  const stepTimeout = vars.seconds('STEP_TIMEOUT_SECONDS', { min: 1, max: 600, example: '30' }, 30);
  const redis = redisSetting(vars, raw);
  const database = databaseSetting(vars, raw);
  return vars.outcome({
    tokenFile,
    stateDir: stateDir ? resolve(cwd, stateDir) : dirname(tokenFile),
    diagnosticsDir: diagnosticsDir ? resolve(cwd, diagnosticsDir) : resolve(dirname(tokenFile), 'diagnostics'),
    loginUrl,
    apiRoot: apiRoot.replace(/\/+$/, ''),
    chromiumPath,
    chromiumSandbox,
    logLevel,
    stepTimeoutMs: Math.round(stepTimeout * 1000),
    redis,
    database,
  });
}

/** read.ts has already filled DATABASE_URL from DATABASE_URL_FILE (and refused both). */
function databaseSetting(vars: Variables, raw: RawConfig): DatabaseSetting | undefined {
  const url = vars.text('DATABASE_URL');
  if (url === undefined) return undefined;
  const variable = raw['DATABASE_URL_FILE']?.trim() ? 'DATABASE_URL_FILE' : 'DATABASE_URL';
  if (!/^postgres(?:ql)?:\/\/[^\s]+$/i.test(url)) {
    vars.problem(variable, `must be a PostgreSQL URL: postgres://user:password@host:5432/database?sslmode=require (or postgresql://...)${variable === 'DATABASE_URL_FILE' ? ' (in the file it names)' : ''}`);
    return undefined;
  }
  return { url, variable };
}

/** read.ts has already filled REDIS_URL from REDIS_URL_FILE (and refused both). */
function redisSetting(vars: Variables, raw: RawConfig): RedisSetting | undefined {
  const url = vars.text('REDIS_URL');
  if (url === undefined) return undefined;
  const variable = raw['REDIS_URL_FILE']?.trim() ? 'REDIS_URL_FILE' : 'REDIS_URL';
  if (!/^rediss?:\/\/[^\s]+$/i.test(url)) {
    vars.problem(variable, `must be a Redis URL: redis://[user:password@]host[:port][/db], or rediss://... for TLS${variable === 'REDIS_URL_FILE' ? ' (in the file it names)' : ''}`);
    return undefined;
  }
  return { url, variable };
}
