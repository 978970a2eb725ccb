import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { arrowViolations, importsOf, sourceFiles, type ArrowRules } from '../support/import-arrows.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Which way imports run in src/, lowest layer first. A folder (or a file directly in src/)
 * imports only from itself and from lower layers; the units of one layer are peers and import
 * nothing of each other. A new folder must be placed here before its first file passes.
 */
const LAYERS: readonly (readonly string[])[] = [
  // Foundations: no import of ours.
  ['errors', 'time', 'version', 'atomic-write'],
  // Records kept on disk, and the TOTP library.
  ['ledger', 'state', 'token-store', 'totp'],
  // Calendar, cron, retry policy (it asks the ledger's stop codes).
  ['schedule'],
  ['config'],
  ['logger', 'log-level', 'accounts'],
  // Each outside system, wrapped once: Kite (Playwright, kiteconnect), Redis, webhooks.
  ['kite', 'redis', 'notify'],
  // One login: lock, ledger, rules, browser, exchange, save.
  ['login'],
  // What commands and the daemon build from the configuration.
  ['wiring'],
  ['daemon', 'status'],
  ['commands'],
  ['cli'],
];

const inside = (folder: string) => (file: string): boolean => file.startsWith(`src/${folder}/`);

const RULES: ArrowRules = {
  layers: LAYERS,
  packageOwners: {
    playwright: { allowed: inside('kite'), why: 'only src/kite/ drives Playwright' },
    'playwright-core': { allowed: inside('kite'), why: 'only src/kite/ drives Playwright' },
    kiteconnect: { allowed: (file) => file === 'src/kite/session.ts', why: 'only src/kite/session.ts talks to the kiteconnect SDK' },
    ioredis: { allowed: inside('redis'), why: 'only src/redis/ talks to Redis' },
    '@kite-autologin/simulator': { allowed: (file) => file === 'src/commands/sandbox.ts', why: 'only `sandbox` loads the simulator' },
  },
  forbidden: [
    {
      // The daemon's parts are the daemon's; `run` is the command that starts it.
      test: (found) => found.from.startsWith('src/commands/') && found.from !== 'src/commands/run.ts' && (found.target ?? '').startsWith('src/daemon/'),
      why: 'a command other than `run` reaches into src/daemon/ (shared parts belong in src/wiring/)',
    },
  ],
};

/**
 * Arrows known to be wrong in files whose owners are changing them now. Each must still be
 * found (a fixed one fails the test until its line here is removed).
 */
const KNOWN: readonly string[] = [];

describe('import arrows in src/', () => {
  it('run one way, through the layers, with each outside system imported by its wrapper only', () => {
    const problems = arrowViolations(ROOT, RULES);
    expect(problems.filter((p) => !KNOWN.includes(p))).toEqual([]);
    expect(KNOWN.filter((k) => !problems.includes(k)), 'fixed: remove from KNOWN').toEqual([]);
  });

  it('reads every file in src/ and finds their imports (the check has something to check)', () => {
    const files = sourceFiles(ROOT, 'src');
    expect(files.length).toBeGreaterThan(50);
    const login = importsOf(ROOT, 'src/commands/login.ts').map((i) => i.target);
    // A static and a dynamic import, both seen.
    expect(login).toContain('src/wiring/from-config.ts');
    expect(login).toContain('src/login/login-under-ledger.ts');
  });

  it('the simulator package imports nothing of the product', () => {
    const files = sourceFiles(ROOT, 'packages/kite-simulator/src');
    const outside = files.flatMap((file) => importsOf(ROOT, file))
      .filter((i) => i.target !== undefined && !i.target.startsWith('packages/kite-simulator/'))
      .map((i) => `${i.from} imports ${i.specifier}`);
    expect(outside).toEqual([]);
  });
});

describe('the arrow check itself', () => {
  let dir: string | undefined;
  afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  const tree = async (files: Record<string, string>): Promise<string> => {
    dir = await mkdtemp(join(tmpdir(), 'kal-layers-'));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  };

  it('flags an upward arrow, a peer arrow, an unplaced folder and a stray package import; passes a downward one', async () => {
    const root = await tree({
      'src/schedule/plan.ts': "import type { DayRun } from '../state/day-run.js';\nexport type { DayRun };\n",
      'src/state/day-run.ts': "export interface DayRun { day: string }\n",
      // state importing schedule: the arrow this repository had.
      'src/state/state-store.ts': "import type { DayRun } from '../schedule/plan.js';\nexport type S = DayRun;\n",
      // kite and notify are peers.
      'src/notify/notice.ts': "// import { x } from '../kite/y.js' in a comment is not an import\nexport const n = import('../kite/screen.js');\n",
      'src/kite/screen.ts': "import type { Page } from 'playwright';\nexport type P = Page;\n",
      'src/login/login-once.ts': "import type { Page } from 'playwright-core/lib/x';\nexport type P = Page;\n",
      'src/elsewhere/thing.ts': 'export const thing = 1;\n',
    });
    expect(arrowViolations(root, RULES).sort()).toEqual([
      'src/elsewhere/thing.ts: its unit "elsewhere" has no place in the layers; add it to LAYERS',
      'src/login/login-once.ts imports playwright-core/lib/x: only src/kite/ drives Playwright',
      'src/notify/notice.ts (notify, layer 5) imports src/kite/screen.ts (kite, a peer in the same layer, layer 5)',
      'src/state/state-store.ts (state, layer 1) imports src/schedule/plan.ts (schedule, a higher layer, layer 2)',
    ]);
  });

  it('flags a command other than run reaching into the daemon', async () => {
    const root = await tree({
      'src/commands/login.ts': "import { stateFor } from '../daemon/runtime.js';\nexport const s = stateFor;\n",
      'src/commands/run.ts': "import { startDaemon } from '../daemon/daemon.js';\nexport const s = startDaemon;\n",
      'src/daemon/runtime.ts': 'export const stateFor = 1;\n',
      'src/daemon/daemon.ts': 'export const startDaemon = 1;\n',
    });
    expect(arrowViolations(root, RULES)).toEqual([
      'src/commands/login.ts imports ../daemon/runtime.js: a command other than `run` reaches into src/daemon/ (shared parts belong in src/wiring/)',
    ]);
  });
});
