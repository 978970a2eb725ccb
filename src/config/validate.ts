import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { parseTotpSecret } from '../totp.js';
import type { RawConfig } from './read.js';
import { blankToUndefined, boundedSeconds, isHttpUrl, toProblems, type Outcome } from './schema-helpers.js';

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
}

/** The Kite Connect app and the Zerodha login; only commands that log in need them. */
export interface Credentials {
  apiKey: string;
  apiSecret: string;
  userId: string;
  /** Exactly as given, surrounding spaces included (see `verbatim`). */
  password: string;
  /** Normalised base32. */
  totpSecret: string;
  /** KITE_REDIRECT_URL: the request_token is read from the redirect to it. */
  redirectUrl: string;
}

export interface LoginConfig extends BaseConfig {
  credentials: Credentials;
}

const text = (what: string) =>
  z.string({ error: `is required: ${what}` }).trim().min(1, { error: `is required: ${what}` });

/** Like `text`, but kept exactly as given: a password may begin or end with a space. */
const verbatim = (what: string) =>
  z.string({ error: `is required: ${what}` }).min(1, { error: `is required: ${what}` });

const httpUrl = (example: string) =>
  z.string().trim().refine(isHttpUrl, { error: `must be an absolute http(s) URL, e.g. ${example}` });

const baseSchema = z.object({
  TOKEN_FILE: z.string().trim().min(1).default('data/kite-token.json'),
  STATE_DIR: z.string().trim().min(1).optional(),
  DIAGNOSTICS_DIR: z.string().trim().min(1).optional(),
  KITE_LOGIN_URL: httpUrl('https://kite.zerodha.com/connect/login').default('https://kite.zerodha.com/connect/login'),
  KITE_API_ROOT: httpUrl('https://api.kite.trade').default('https://api.kite.trade'),
  CHROMIUM_PATH: z.string().trim().min(1).optional(),
  CHROMIUM_SANDBOX: z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }).default('auto'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  STEP_TIMEOUT_SECONDS: boundedSeconds(1, 600, '30').default(30),
});

const credentialsSchema = z.object({
  KITE_API_KEY: text('the api_key of your Kite Connect app (developers.kite.trade)'),
  KITE_API_SECRET: text('the api_secret of your Kite Connect app'),
  KITE_USER_ID: text('your Zerodha user id, e.g. AB1234').transform((v) => v.toUpperCase()),
  KITE_PASSWORD: verbatim('your Zerodha password'),
  KITE_TOTP_SECRET: text('the base32 TOTP secret (or its otpauth:// URI) from enabling external TOTP on Kite')
    .transform((value, ctx) => {
      const parsed = parseTotpSecret(value);
      if ('problem' in parsed) {
        ctx.issues.push({ code: 'custom', message: parsed.problem, input: '[secret]' });
        return z.NEVER;
      }
      return parsed.secret;
    }),
  KITE_REDIRECT_URL: text('the redirect URL registered for your Kite Connect app, e.g. http://127.0.0.1/kite-redirect')
    .pipe(httpUrl('http://127.0.0.1/kite-redirect')),
});

/**
 * Step two of two: a pure check of the raw strings. Returns every problem at once, each
 * naming its variable and what a right value looks like, never the value itself.
 */
export function validateBase(raw: RawConfig, cwd: string): Outcome<BaseConfig> {
  const result = baseSchema.safeParse(blankToUndefined(raw));
  if (!result.success) return { ok: false, problems: toProblems(result.error) };
  const v = result.data;
  const tokenFile = resolve(cwd, v.TOKEN_FILE);
  return {
    ok: true,
    value: {
      tokenFile,
      stateDir: v.STATE_DIR ? resolve(cwd, v.STATE_DIR) : dirname(tokenFile),
      diagnosticsDir: v.DIAGNOSTICS_DIR ? resolve(cwd, v.DIAGNOSTICS_DIR) : resolve(dirname(tokenFile), 'diagnostics'),
      loginUrl: v.KITE_LOGIN_URL,
      apiRoot: v.KITE_API_ROOT.replace(/\/+$/, ''),
      chromiumPath: v.CHROMIUM_PATH,
      chromiumSandbox: v.CHROMIUM_SANDBOX,
      logLevel: v.LOG_LEVEL,
      stepTimeoutMs: Math.round(v.STEP_TIMEOUT_SECONDS * 1000),
    },
  };
}

export function validateLogin(raw: RawConfig, cwd: string): Outcome<LoginConfig> {
  const base = validateBase(raw, cwd);
  const creds = credentialsSchema.safeParse(blankToUndefined(raw));
  const problems = [...(base.ok ? [] : base.problems), ...(creds.success ? [] : toProblems(creds.error))];
  if (!base.ok || !creds.success) return { ok: false, problems };
  const c = creds.data;
  return {
    ok: true,
    value: {
      ...base.value,
      credentials: {
        apiKey: c.KITE_API_KEY,
        apiSecret: c.KITE_API_SECRET,
        userId: c.KITE_USER_ID,
        password: c.KITE_PASSWORD,
        totpSecret: c.KITE_TOTP_SECRET,
        redirectUrl: c.KITE_REDIRECT_URL,
      },
    },
  };
}
