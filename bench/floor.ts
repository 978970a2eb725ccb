import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { chromiumArgs, resolveChromium, sandboxEnabled } from '../src/kite/browser.js';
import { buildLoginUrl } from '../src/kite/redirect.js';
import type { SimAccount, SimApp, Simulator } from '@kite-autologin/simulator';
import { totpCode } from '../src/totp.js';

/** What the floor needs of the simulator, the account and the app. */
export interface FloorInput {
  sim: Pick<Simulator, 'loginUrl' | 'apiRoot'>;
  account: Pick<SimAccount, 'userId' | 'password' | 'totpSecret'>;
  app: Pick<SimApp, 'apiKey' | 'apiSecret' | 'redirectUrl'>;
  tokenFile: string;
}

/**
 * The floor: the least a script can do for the same login. Same Chromium, same flags, same
 * simulator pages and forms, selectors written for this simulator's newest page, no checks,
 * no diagnostics, no interception; then the exchange, the profile call and the file write
 * with plain fetch. Returns its duration in ms.
 */
export async function floorLogin(sim: FloorInput['sim'], account: FloorInput['account'], app: FloorInput['app'], tokenFile: string): Promise<number> {
  const started = performance.now();
  const sandbox = sandboxEnabled('auto');
  const browser = await chromium.launch({
    executablePath: resolveChromium(process.env['CHROMIUM_PATH']),
    args: chromiumArgs(sandbox),
    chromiumSandbox: sandbox,
    headless: true,
  });
  const page = await (await browser.newContext()).newPage();
  const redirected = page.waitForRequest((r) => r.url().startsWith(app.redirectUrl));
  await page.goto(buildLoginUrl(sim.loginUrl, app.apiKey), { waitUntil: 'commit' });
  await page.fill('.login-form #userid', account.userId);
  await page.fill('.login-form #password', account.password);
  await page.click('.login-form button[type=submit]');
  await page.fill('.twofa-form input', totpCode(account.totpSecret, Date.now()));
  await page.click('.twofa-form button[type=submit]');
  await page.click('button:has-text("Authorize")');
  const requestToken = new URL((await redirected).url()).searchParams.get('request_token') ?? '';
  const session = await (await fetch(`${sim.apiRoot}/session/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Kite-Version': '3' },
    body: new URLSearchParams({
      api_key: app.apiKey, request_token: requestToken,
      checksum: createHash('sha256').update(app.apiKey + requestToken + app.apiSecret).digest('hex'),
    }),
  })).json() as { data: { access_token: string } };
  await (await fetch(`${sim.apiRoot}/user/profile`, {
    headers: { Authorization: `token ${app.apiKey}:${session.data.access_token}`, 'X-Kite-Version': '3' },
  })).json();
  await writeFile(tokenFile, JSON.stringify(session.data));
  await browser.close();
  return performance.now() - started;
}

/**
 * Run as a process of its own (`node dist-bench/bench/floor.js '<FloorInput as JSON>'`): one
 * login, then exit, printing `{"activeMs": …}`. The bench times the whole process, spawn to
 * exit, against the whole `kite-autologin login` process (node start and imports included).
 */
const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const input = JSON.parse(process.argv[2] ?? '{}') as FloorInput;
  const activeMs = await floorLogin(input.sim, input.account, input.app, input.tokenFile);
  process.stdout.write(`${JSON.stringify({ activeMs })}\n`);
}
