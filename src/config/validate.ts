/*
 * The credentials: only the commands that log in read them. Checked by hand, like every
 * other variable (see variables.ts).
 */
import { parseTotpSecret } from '../totp.js';
import { validateBase, type BaseConfig } from './base-config.js';
import { validateHook, type HookConfig } from './hook-config.js';
import type { RawConfig } from './read.js';
import { isHttpUrl, Variables, type Outcome } from './variables.js';

/** The Kite Connect app and the Zerodha login; only commands that log in need them. */
export interface Credentials {
  apiKey: string;
  apiSecret: string;
  userId: string;
  /** Exactly as given, surrounding spaces included. */
  password: string;
  /** Normalised base32. */
  totpSecret: string;
  /** KITE_REDIRECT_URL: the request_token is read from the redirect to it. */
  redirectUrl: string;
}

export interface LoginConfig extends BaseConfig {
  credentials: Credentials;
  /** ON_TOKEN_COMMAND and its timeout: run after each new token. Undefined (the default): none. */
  hook?: HookConfig | undefined;
}

const REDIRECT_EXAMPLE = 'http://127.0.0.1/kite-redirect';

/** Every problem of the credentials, in the order of the variables, never a value. */
function validateCredentials(raw: RawConfig): Outcome<Credentials> {
  const vars = new Variables(raw);
  const apiKey = vars.required('KITE_API_KEY', 'the api_key of your Kite Connect app (developers.kite.trade)');
  const apiSecret = vars.required('KITE_API_SECRET', 'the api_secret of your Kite Connect app');
  const userId = vars.required('KITE_USER_ID', 'your Zerodha user id, e.g. AB1234')?.toUpperCase();
  const password = vars.requiredVerbatim('KITE_PASSWORD', 'your Zerodha password');
  let totpSecret = vars.required('KITE_TOTP_SECRET', 'the base32 TOTP secret (or its otpauth:// URI) from enabling external TOTP on Kite');
  if (totpSecret !== undefined) {
    const parsed = parseTotpSecret(totpSecret);
    if ('problem' in parsed) vars.problem('KITE_TOTP_SECRET', parsed.problem);
    totpSecret = 'secret' in parsed ? parsed.secret : undefined;
  }
  let redirectUrl = vars.required('KITE_REDIRECT_URL', `the redirect URL registered for your Kite Connect app, e.g. ${REDIRECT_EXAMPLE}`);
  if (redirectUrl !== undefined && !isHttpUrl(redirectUrl)) {
    vars.problem('KITE_REDIRECT_URL', `must be an absolute http(s) URL, e.g. ${REDIRECT_EXAMPLE}`);
    redirectUrl = undefined;
  }
  if (apiKey === undefined || apiSecret === undefined || userId === undefined || password === undefined || totpSecret === undefined || redirectUrl === undefined) {
    return { ok: false, problems: [...vars.problems] };
  }
  return vars.outcome({ apiKey, apiSecret, userId, password, totpSecret, redirectUrl });
}

export function validateLogin(raw: RawConfig, cwd: string): Outcome<LoginConfig> {
  const base = validateBase(raw, cwd);
  const credentials = validateCredentials(raw);
  const hook = validateHook(raw);
  if (!base.ok || !credentials.ok || !hook.ok) {
    return { ok: false, problems: [...(base.ok ? [] : base.problems), ...(credentials.ok ? [] : credentials.problems), ...(hook.ok ? [] : hook.problems)] };
  }
  return { ok: true, value: { ...base.value, credentials: credentials.value, hook: hook.value } };
}
