import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { arrowViolations, importCycles, importsOf, sourceFiles, type ArrowRules } from '../support/import-arrows.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Which way imports run in src/, lowest layer first. A folder (or a file directly in src/)
 * imports only from itself and from lower layers; the units of one layer are peers and import
 * nothing of each other. A new folder must be placed here before its first file passes.
 */
const LAYERS: readonly (readonly string[])[] = [
  // Foundations: no import of ours (src/disk/ is the file system's one owner, src/process/ the processes').
  ['errors', 'time', 'version', 'disk', 'process'],
  // Records kept on disk, and the TOTP library.
  ['ledger', 'state', 'token-store', 'totp'],
  // Calendar, cron, retry policy (it asks the ledger's stop codes).
  ['schedule'],
  ['config'],
  ['logger', 'log-level', 'accounts'],
  // One account's record (ledger, lock, stop, morning record, token) in its one home: files or PostgreSQL.
  ['account'],
  // Each outside system, wrapped once: Kite (Playwright, kiteconnect), Redis, webhooks.
  ['kite', 'redis', 'notify'],
  // One login: lock, ledger, rules, browser, exchange, save. Beside it, what follows a login
  // (ON_TOKEN_COMMAND) and what the daemon shows of the records (Prometheus metrics).
  ['login', 'hook', 'metrics'],
  // What commands and the daemon build from the configuration.
  ['wiring'],
  ['daemon', 'status'],
  ['commands'],
  ['cli'],
];

const inside = (folder: string) => (file: string): boolean => file.startsWith(`src/${folder}/`);
const only = (...paths: string[]) => (file: string): boolean => paths.includes(file);

/** Each outside system and its one owner: the only files that may import it. */
const OWNERS: ArrowRules['packageOwners'] = {
  'node:fs': { allowed: inside('disk'), why: 'only src/disk/ touches the file system' },
  fs: { allowed: () => false, why: 'the file system is node:fs, through src/disk/' },
  pg: { allowed: inside('account/postgres'), why: 'only src/account/postgres/ talks to PostgreSQL' },
  ioredis: { allowed: inside('redis'), why: 'only src/redis/ talks to Redis' },
  'node:child_process': { allowed: inside('process'), why: 'only src/process/ starts processes' },
  yaml: { allowed: only('src/accounts/accounts-file.ts'), why: 'only src/accounts/accounts-file.ts reads YAML' },
  otplib: { allowed: only('src/totp.ts'), why: 'only src/totp.ts makes TOTP codes' },
  pino: { allowed: only('src/logger.ts'), why: 'only src/logger.ts writes log lines' },
  dotenv: { allowed: only('src/config/read.ts'), why: 'only src/config/read.ts reads .env' },
  playwright: { allowed: inside('kite'), why: 'only src/kite/ drives Playwright' },
  'playwright-core': { allowed: inside('kite'), why: 'only src/kite/ drives Playwright' },
  kiteconnect: { allowed: only('src/kite/session.ts'), why: 'only src/kite/session.ts talks to the kiteconnect SDK' },
  '@kite-autologin/simulator': {
    allowed: only('src/commands/sandbox.ts', 'src/commands/simulator.ts', 'src/commands/simulator-files.ts'),
    why: 'only the `sandbox` and `simulator` commands load the simulator',
  },
  'prom-client': { allowed: inside('metrics'), why: 'only src/metrics/ builds Prometheus metrics' },
  'node:http': { allowed: inside('metrics'), why: 'only src/metrics/ serves HTTP (/metrics)' },
};

const RULES: ArrowRules = {
  layers: LAYERS,
  packageOwners: OWNERS,
  forbidden: [
    {
      // The daemon's parts are the daemon's; `run` is the command that starts it.
      test: (found) => found.from.startsWith('src/commands/') && found.from !== 'src/commands/run.ts' && (found.target ?? '').startsWith('src/daemon/'),
      why: 'a command other than `run` reaches into src/daemon/ (shared parts belong in src/wiring/)',
    },
  ],
};

describe('import arrows in src/', () => {
  it('run one way, through the layers, with each outside system imported by its one owner only', () => {
    expect(arrowViolations(ROOT, RULES)).toEqual([]);
  });

  it('make no circle, inside a folder or across folders', () => {
    expect(importCycles(ROOT)).toEqual([]);
  });

  it('reads every file in src/ and finds their imports (the check has something to check)', () => {
    const files = sourceFiles(ROOT, 'src');
    expect(files.length).toBeGreaterThan(50);
    const login = importsOf(ROOT, 'src/commands/login.ts').map((i) => i.target);
    // A static and a dynamic import, both seen.
    expect(login).toContain('src/wiring/open-accounts.ts');
    expect(login).toContain('src/login/login-under-ledger.ts');
    // Every owner owns something: an owner nobody matches would guard nothing.
    const bare = files.flatMap((file) => importsOf(ROOT, file)).filter((i) => i.target === undefined).map((i) => i.specifier);
    for (const system of ['node:fs', 'pg', 'ioredis', 'node:child_process', 'yaml', 'otplib', 'pino', 'dotenv', 'playwright', 'kiteconnect']) {
      expect(bare.some((specifier) => specifier === system || specifier.startsWith(`${system}/`)), system).toBe(true);
    }
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
      'src/notify/notice.ts (notify, layer 6) imports src/kite/screen.ts (kite, a peer in the same layer, layer 6)',
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

  it('finds a circle inside one folder, types included, and none in a tree without one', async () => {
    const root = await tree({
      'src/account/files/lock.ts': "import type { Lease } from './lease.js';\nexport type L = Lease;\n",
      'src/account/files/lease.ts': "import type { L } from './lock.js';\nexport type Lease = L | 1;\n",
      'src/account/files/alone.ts': "import type { Lease } from './lease.js';\nexport type A = Lease;\n",
    });
    expect(importCycles(root)).toEqual(['src/account/files/lease.ts <-> src/account/files/lock.ts']);
    await rm(root, { recursive: true, force: true });
    const clean = await tree({ 'src/a/x.ts': "import { y } from './y.js';\nexport const x = y;\n", 'src/a/y.ts': 'export const y = 1;\n' });
    expect(importCycles(clean)).toEqual([]);
  });

  it('gives each outside system one owner: node:fs outside src/disk/, pg outside src/account/postgres/, a second YAML reader are flagged', async () => {
    const root = await tree({
      'src/disk/read.ts': "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n",
      'src/token-store.ts': "import { readFile } from 'node:fs/promises';\nexport const t = readFile;\n",
      'src/account/postgres/pool.ts': "import pg from 'pg';\nexport const p = pg;\n",
      'src/account/files/home.ts': "import pg from 'pg';\nexport const p = pg;\n",
      'src/accounts/other.ts': "import { parse } from 'yaml';\nexport const y = parse;\n",
    });
    expect(arrowViolations(root, RULES).sort()).toEqual([
      'src/account/files/home.ts imports pg: only src/account/postgres/ talks to PostgreSQL',
      'src/accounts/other.ts imports yaml: only src/accounts/accounts-file.ts reads YAML',
      'src/token-store.ts imports node:fs/promises: only src/disk/ touches the file system',
    ]);
  });
});
