import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { LoginConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { loginOnce as performLogin, type PhaseEvent } from '../../src/login/login-once.js';
import { throwawayGate } from '../../src/login/throwaway-gate.js';
import { sandboxAccount, startSimulator } from '@kite-autologin/simulator';

test('near the end of a TOTP window the flow waits for the next one, and Kite (no skew) accepts the code', async () => {
  // One clock for the tool and the simulator, 2 s before a window ends; "sleeping" moves it on.
  let offset = 0;
  const real = Date.now();
  offset = (real - (real % 30_000) + 28_000) - real;
  const now = (): number => Date.now() + offset;
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => { waits.push(ms); offset += ms; return Promise.resolve(); };

  const { account, app } = sandboxAccount();
  const sim = await startSimulator({ accounts: [account], apps: [app], now, totpSkewWindows: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'kal-totp-'));
  const config: LoginConfig = {
    tokenFile: join(dir, 'token.json'), stateDir: dir, diagnosticsDir: join(dir, 'diag'), loginUrl: sim.loginUrl, apiRoot: sim.apiRoot,
    chromiumPath: process.env['CHROMIUM_PATH'], chromiumSandbox: 'auto', logLevel: 'silent', stepTimeoutMs: 15_000,
    credentials: { apiKey: app.apiKey, apiSecret: app.apiSecret, userId: account.userId, password: account.password, totpSecret: account.totpSecret, redirectUrl: app.redirectUrl },
  };
  const phases: PhaseEvent[] = [];
  try {
    // The login page and password take some real time: put the clock back 2 s before the
    // window's end at the moment the code is about to be typed.
    const logger = createLogger('silent');
    const outcome = await performLogin(config, { force: true }, {
      logger,
      gate: await throwawayGate(config.credentials, logger, () => new Date(now())),
      now: () => new Date(now()),
      sleep,
      onPhase: (event) => {
        phases.push(event);
        if (event.phase === 'credentials') {
          const t = now();
          offset += (t - (t % 30_000) + 28_000) - t;
        }
      },
    });
    expect(outcome.kind).toBe('logged-in');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(1_500);
    // Up to 2 s to the window's end, plus what is not known of Kite's clock (its Date header
    // has a 1 s resolution): the code must belong to the new window wherever Kite's clock is.
    expect(waits[0]).toBeLessThanOrEqual(2_000 + 1_000);
    expect(phases.map((p) => p.phase)).toContain('totp-wait');
    expect(sim.count('api-twofa')).toBe(1);
    // Images (the page's logo) were never fetched.
    expect(sim.requests.filter((r) => r.path.endsWith('.svg'))).toEqual([]);
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
});
