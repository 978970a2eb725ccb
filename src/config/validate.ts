/*
 * The credentials, checked with zod: only the commands that log in load this module (and
 * with it zod and otplib). What every command reads is checked by hand in base-config.ts.
 */
import { z } from 'zod';
import { parseTotpSecret } from '../totp.js';
import { validateBase, type BaseConfig } from './base-config.js';
import type { RawConfig } from './read.js';
import { toProblems } from './schema-helpers.js';
import { blankToUndefined, isHttpUrl, type Outcome } from './variables.js';

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
