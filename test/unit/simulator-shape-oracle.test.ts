import { existsSync } from 'node:fs';
import type { Browser } from '@playwright/test';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { sandboxAccount, startSimulator, type Simulator } from '@kite-autologin/simulator';
import { generateShape, shapeExpectation, shapeFeatures, stepControls, stepPlan, type ShapeDimension } from '@kite-autologin/simulator/shapes';
import { launchOracleBrowser, solveWithOracle, type OracleResult } from '../support/shape-oracle.js';
import { decoySeeds, NEW_DIMENSION_SEEDS } from '../support/shape-seeds.js';

/**
 * The fuzzer's new dimensions, proven in Chromium by the reference solver (the oracle reads
 * the Shape): one fixed seed for each value that matters (the App Code, an SMS OTP, a consent
 * in other words, offers with decoys, a late dialog at each of its timings, background
 * requests) logs in with one password and one code through its late dialog, background
 * requests and steps after the code, or stops at a second factor that is not TOTP with nothing
 * sent; a decoy pressed ends the login with no token. One browser for all, two seeds at a
 * time (most of a login is waiting: render delays, a late dialog's delay, a fresh TOTP window),
 * each with its own simulator and browser context. The real CLI faces every fixed seed (these
 * and the others of NEW_DIMENSION_SEEDS) in test/e2e/page-shapes.spec.ts.
 */

// The oracle's own browser (as in the e2e suite): a headless shell does not let it catch the redirect to the app.
const CHROMIUM = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => !!path && existsSync(path));

/** The seeds run here, each with what it must show (checked first, so that a changed generator cannot hollow a case out). */
const CASES: readonly { seed: number; shows: Partial<Record<ShapeDimension, string>> }[] = [
  { seed: 433, shows: { 'second-factor': 'app_code' } },
  { seed: 1060, shows: { 'second-factor': 'sms' } },
  { seed: 549, shows: { 'after-code': 'consent', 'consent-words': 'Continue', 'consent-decoys': '2' } },
  { seed: 875, shows: { 'after-code': 'both', offers: '3', 'offer-skip': 'Not now', 'consent-words': 'Allow', 'consent-decoys': '2' } },
  { seed: 434, shows: { 'late-dialog': 'load', 'late-screen': 'credentials', 'late-dismiss': '×' } },
  { seed: 666, shows: { 'late-dialog': 'first-look', 'late-look': 'pointer', 'late-screen': 'code' } },
  { seed: 2959, shows: { 'late-dialog': 'first-look', 'late-look': 'settle', 'late-screen': 'user' } },
  { seed: 1612, shows: { 'late-dialog': 'first-key', 'late-screen': 'password' } },
  { seed: 711, shows: { background: 'mixed', 'background-to': 'both', 'background-fails': 'drop' } },
  { seed: 5185, shows: { background: 'xhr', 'background-fails': 'both' } },
];

/** Resolves to 'timeout' if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => { resolve('timeout'); }, ms); });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

let browser: Browser | undefined;

/**
 * At most two logins at once (more only made each slower on 2 cores): a test takes a slot
 * before it starts, in a hook of its own, so that its time limit counts its login only.
 */
const waiting: (() => void)[] = [];
let running = 0;
async function takeSlot(): Promise<void> {
  if (running >= 2) await new Promise<void>((resolve) => { waiting.push(resolve); });
  else running += 1;
}
function giveSlot(): void {
  const next = waiting.shift();
  if (next) next(); // the slot passes on as it is
  else running -= 1;
}

/** One login by the oracle against a fresh simulator; the caller closes `sim`. */
async function oracleRun(seed: number, pressDecoy: boolean): Promise<{ sim: Simulator; result: OracleResult }> {
  const { account, app } = sandboxAccount();
  const sim = await startSimulator({ accounts: [account], apps: [app], shapeSeed: seed });
  const context = await (browser as Browser).newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const result = await within(solveWithOracle(page, { sim, account, app }, generateShape(seed), { checkCovered: true, pressDecoy }), 30_000);
    if (result === 'timeout') throw new Error(`the oracle did not finish seed ${seed}`);
    return { sim, result };
  } catch (err) {
    await within(sim.close(), 5_000);
    throw err;
  } finally {
    // The context's close, bounded, closes the page. Never page.close() here: called as the
    // navigation a press started commits (a decoy's page), it could hang past the test's limit.
    await within(context.close(), 5_000);
  }
}

// Concurrent, so each test asserts with its own `expect` (the global one cannot tell whose test an expect.poll is in).
describe.skipIf(CHROMIUM === undefined).concurrent('the oracle on the seeds of the new dimensions', { timeout: 45_000 }, () => {
  beforeAll(async () => { browser = await launchOracleBrowser(); }, 30_000);
  afterAll(async () => { await within(browser?.close() ?? Promise.resolve(), 5_000); });
  beforeEach(takeSlot, 300_000);
  afterEach(giveSlot);

  it('the seeds here are fixed seeds, and show what they were picked for', ({ expect }) => {
    const fixed = NEW_DIMENSION_SEEDS.map((s) => s.seed);
    for (const { seed, shows } of CASES) {
      expect(fixed, String(seed)).toContain(seed);
      expect(shapeFeatures(generateShape(seed)), String(seed)).toMatchObject(shows);
    }
    const decoys = decoySeeds(CASES.map((c) => c.seed));
    expect(decoys.map((d) => d.on)).toEqual(['consent', 'offer']);
  });

  for (const { seed, shows } of CASES) {
    it(`seed ${seed}: ${Object.entries(shows).map(([d, v]) => `${d} ${v}`).join(', ')}`, async ({ expect }) => {
      const shape = generateShape(seed);
      const { sim, result } = await oracleRun(seed, false);
      try {
        if (shapeExpectation(shape).kind === 'stop-no-totp') {
          expect(result.outcome).toBe('stopped-no-totp');
          expect(sim.count('api-login')).toBe(1);
          expect(sim.count('api-twofa')).toBe(0);
          expect(sim.requests.filter((r) => r.path === '/fuzz/typed/code')).toEqual([]);
          return;
        }
        expect(result.outcome).toBe('logged-in');
        expect(result.requestToken, `redirect: ${result.redirect}`).toMatch(/^[0-9a-f]{32}$/);
        expect([sim.count('api-login'), sim.count('api-twofa'), sim.count('fuzz-harm')]).toEqual([1, 1, 0]);
        // Every step of the plan was met and gone through with its way on; no decoy was recorded.
        expect(sim.steps.map((s) => s.outcome)).toEqual(stepPlan(shape.afterCode).map(() => 'went-on'));
        expect(sim.steps.map((s) => s.kind)).toEqual(stepPlan(shape.afterCode).map((s) => s.kind));
        // Every planned background request that fires in a login arrived (a beacon sent as the page left may still be on its way), none with a secret.
        const events = new Set(shape.background.map((b) => b.event));
        await expect.poll(() => new Set(sim.background.map((b) => b.event)), { timeout: 3_000 }).toEqual(events);
        expect(sim.background.filter((b) => b.carriesSecret)).toEqual([]);
        for (const hit of sim.background) expect(hit.fields.every((f) => ['event', 'via', 'page', 'field', 'len'].includes(f))).toBe(true);
      } finally {
        await within(sim.close(), 5_000);
      }
    });
  }

  for (const { seed, on } of decoySeeds(CASES.map((c) => c.seed))) {
    it(`seed ${seed}: a decoy pressed on the ${on} page is recorded and ends the login with no token`, async ({ expect }) => {
      const shape = generateShape(seed);
      const { sim, result } = await oracleRun(seed, true);
      try {
        expect(result.outcome).toBe('decoy');
        expect(result.requestToken).toBeUndefined();
        // The press reaches Kite as the page's form post: wait for it, not for the page it leads to.
        await expect.poll(() => sim.steps.length, { timeout: 5_000 }).toBeGreaterThan(0);
        const step = stepPlan(shape.afterCode).find((s) => s.kind === on) ?? shape.afterCode[0];
        const decoy = stepControls(step as NonNullable<typeof step>).find((c) => c.role === 'decoy');
        expect(sim.steps.at(-1)).toMatchObject({ kind: on, outcome: 'decoy', pressed: decoy?.text });
        expect(sim.steps.filter((s) => s.outcome === 'decoy')).toHaveLength(1);
        expect(sim.count('api-twofa')).toBe(1);
        expect(sim.rules.issuedSecrets).toHaveLength(1); // the code Kite accepted, and no request_token
      } finally {
        await within(sim.close(), 5_000);
      }
    });
  }
});
