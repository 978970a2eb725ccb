import { join } from 'node:path';
import type { SimAccount, SimApp } from './kite-rules.js';
import type { Simulator } from './server.js';

/** The KITE_* variables of one account on one app: a per-account overlay for a CLI run. */
export function accountEnv(account: SimAccount, app: SimApp): Record<string, string> {
  return {
    KITE_API_KEY: app.apiKey,
    KITE_API_SECRET: app.apiSecret,
    KITE_USER_ID: account.userId,
    KITE_PASSWORD: account.password,
    KITE_TOTP_SECRET: account.totpSecret,
    KITE_REDIRECT_URL: app.redirectUrl,
  };
}

/** Where Kite is: the variables that point kite-autologin at this simulator instead of Zerodha. */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  return { KITE_LOGIN_URL: sim.loginUrl, KITE_API_ROOT: sim.apiRoot };
}

/**
 * One account of an accounts file (`ACCOUNTS_FILE`, YAML), with plain values: the caller
 * writes the file readable by its owner only.
 */
export function accountsFileEntry(account: SimAccount, app: SimApp): Record<string, string> {
  return {
    user_id: account.userId,
    password: account.password,
    totp_secret: account.totpSecret,
    api_key: app.apiKey,
    api_secret: app.apiSecret,
    redirect_url: app.redirectUrl,
  };
}

/**
 * The environment a user would set to point kite-autologin at this simulator, for a CLI run
 * in `dir` (its HOME, TMPDIR and token folder): exactly these variables, nothing inherited but
 * PATH (and CHROMIUM_PATH), so no real KITE_* can leak in. `mark` is the non-secret process
 * mark by which the caller finds (and kills) what the run started.
 */
export function cliEnvFor(sim: Simulator, account: SimAccount, app: SimApp, dir: string, mark: { name: string; value: string }): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    TMPDIR: dir,
    [mark.name]: mark.value,
    ...accountEnv(account, app),
    ...simulatorEnv(sim),
    TOKEN_FILE: join(dir, 'data', 'kite-token.json'),
    STEP_TIMEOUT_SECONDS: '15',
    ...(process.env['CHROMIUM_PATH'] ? { CHROMIUM_PATH: process.env['CHROMIUM_PATH'] } : {}),
  };
}
