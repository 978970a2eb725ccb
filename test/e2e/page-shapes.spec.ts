import { createHash } from 'node:crypto';
import type { Browser } from '@playwright/test';
import { generateShape, judgeShapeRun, shapeExpectation, shapeFeatures } from '@kite-autologin/simulator/shapes';
import { expect, test } from '../support/fixtures.js';
import type { KiteWorld } from '../support/kite-world.js';
import { launchOracleBrowser, probeCaptcha, solveWithOracle, waitForScreen } from '../support/shape-oracle.js';
import { FIXED_SEEDS, ORACLE_SEEDS, harmSeeds } from '../support/shape-seeds.js';

/**
 * The page-shape fuzzer (src/simulator/shapes/). First the fuzzer is validated: the oracle,
 * which reads each Shape, logs in through every solvable page with one password and one
 * code, and finds every unsolvable one blocked. Then the real CLI faces the fixed seeds.
 */

function summary(seed: number): string {
  const f = shapeFeatures(generateShape(seed));
  return f.solvable === 'no' ? `captcha ${f.captcha}, ${f.host}` : `${f.host}, ${f.steps}, ${f.control}, ${f.label}, code ${f.code}/${f['code-submit']}, overlay ${f.overlay}`;
}

/** A request_token the oracle caught is one Kite would exchange. */
function exchanges(world: KiteWorld, requestToken: string): number {
  const checksum = createHash('sha256').update(`${world.app.apiKey}${requestToken}${world.app.apiSecret}`).digest('hex');
  return world.sim.rules.exchange({ api_key: world.app.apiKey, request_token: requestToken, checksum }).status;
}

test.describe('page-shape oracle', () => {
  let browser: Browser;
  test.beforeAll(async () => { browser = await launchOracleBrowser(); });
  test.afterAll(async () => { await (browser as Browser | undefined)?.close(); }); // unset if the launch failed

  for (const seed of ORACLE_SEEDS) {
    test(`oracle seed ${seed} (${summary(seed)})`, async ({ kite }) => {
      const shape = generateShape(seed);
      const world = await kite({ shapeSeed: seed });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        if (shapeExpectation(shape).kind === 'stop-no-totp') {
          // Kite asks for the App Code or an SMS OTP: the oracle reads the page's words and types nothing there.
          const result = await solveWithOracle(page, world, shape, { checkCovered: true });
          expect(result.outcome).toBe('stopped-no-totp');
          expect(world.sim.count('api-login')).toBe(1);
          expect(world.sim.count('api-twofa')).toBe(0);
          expect(world.sim.requests.filter((r) => r.path === '/fuzz/typed/code')).toEqual([]);
        } else if (shape.solvable) {
          const result = await solveWithOracle(page, world, shape, { checkCovered: true });
          expect(result.outcome).toBe('logged-in');
          expect(result.requestToken, `redirect: ${result.redirect}`).toMatch(/^[0-9a-f]{32}$/);
          expect(exchanges(world, result.requestToken as string)).toBe(200);
          expect(world.sim.count('api-login')).toBe(1);
          expect(world.sim.count('api-twofa')).toBe(1);
          expect(world.sim.count('fuzz-harm')).toBe(0);
          await expect.poll(() => world.sim.count('fuzz-typed')).toBeGreaterThan(0);
        } else {
          const { errorText } = await probeCaptcha(page, world, shape);
          expect(errorText).toMatch(/captcha/i);
          expect(world.sim.count('api-login')).toBe(0);
          expect(world.sim.count('api-twofa')).toBe(0);
          // Typing is reported, which is how the CLI's "nothing typed" is checked.
          await expect.poll(() => world.sim.count('fuzz-typed')).toBeGreaterThan(0);
        }
      } finally {
        await context.close();
      }
    });
  }

  for (const { seed, effect } of harmSeeds()) {
    test(`a harmful control ends the login: seed ${seed} (${effect})`, async ({ kite }) => {
      const shape = generateShape(seed);
      const world = await kite({ shapeSeed: seed });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const result = await solveWithOracle(page, world, shape, { clickHarmful: true });
        expect(result.outcome).toBe('harmed');
        await expect.poll(() => world.sim.count('fuzz-harm')).toBe(1);
        if (effect === 'dashboard') await page.waitForURL((url) => url.pathname === '/dashboard');
        else await waitForScreen(page, shape, 0);
        expect(world.sim.count('api-twofa')).toBe(0);
      } finally {
        await context.close();
      }
    });
  }
});

// The product against the fuzzer. Run alone with:
//   npx playwright test test/e2e/page-shapes.spec.ts -g "real CLI"
test.describe('real CLI on fixed page shapes', () => {
  test.describe.configure({ timeout: 120_000 });
  for (const seed of FIXED_SEEDS) {
    test(`real CLI seed ${seed} (${summary(seed)})`, async ({ kite }) => {
      const shape = generateShape(seed);
      const world = await kite({ shapeSeed: seed });
      const { code, stdout, stderr } = await world.run(['login']);
      const run = {
        exitCode: code,
        apiLogin: world.sim.count('api-login'),
        apiTwofa: world.sim.count('api-twofa'),
        typed: world.sim.count('fuzz-typed'),
        harm: world.sim.count('fuzz-harm'),
        typedCode: world.sim.requests.filter((r) => r.path === '/fuzz/typed/code').length,
        decoys: world.sim.steps.filter((s) => s.outcome === 'decoy').length,
        backgroundSecrets: world.sim.background.filter((b) => b.carriesSecret).length,
        errorCode: /^kite-autologin: ([A-Z][A-Z_]+): /m.exec(stderr)?.[1] ?? '',
      };
      const verdict = judgeShapeRun(shape, run);
      expect(verdict.problems, `replay: npm run fuzz -- --seed ${seed}\n${stderr}`).toEqual([]);
      const expected = shapeExpectation(shape);
      if (expected.kind === 'stop-no-totp') {
        // No external TOTP on the account: one password, no code posted, nothing typed there, exit 3 TOTP_NOT_ENABLED.
        expect(code).toBe(3);
        expect(stderr).toContain('TOTP_NOT_ENABLED');
        expect(world.sim.count('api-login')).toBe(1);
        expect(world.sim.count('api-twofa')).toBe(0);
        expect(run.typedCode).toBe(0);
      } else if (expected.kind === 'login') {
        expect(code).toBe(0);
        expect(stdout).toContain(`Logged in as ${world.account.userId}`);
        expect(world.sim.count('api-login')).toBe(1);
        expect(world.sim.count('api-twofa')).toBe(1);
      } else {
        expect(code).toBe(4);
        expect(world.sim.count('fuzz-typed')).toBe(0);
        expect(world.sim.count('api-login')).toBe(0);
        expect(world.sim.count('api-twofa')).toBe(0);
      }
    });
  }
});
