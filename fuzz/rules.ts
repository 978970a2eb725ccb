import { fork, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { historyArbitrary, type History, type HistoryShape } from '../test/support/kite-model-history.js';
import { postgresHomes } from '../test/support/kite-model-postgres.js';
import { runHistory, type HistoryReport, type HistoryStats } from '../test/support/kite-model-world.js';
import { startPostgresServer, stopAllPostgresServers, type PostgresServer } from '../test/support/postgres-server.js';

/**
 * `npm run fuzz:rules -- --runs N [--from S | --seed S ...] [--jobs J] [--days D] [--accounts A] [--home files|postgres] [--verbose]`
 *
 * The attempt rules' property test (test/unit/attempt-properties.test.ts) on many more
 * histories: each seed is one generated history of up to D days and A accounts, run against
 * the real rules, ledger, gate, loginUnderLedger, retry policy, planBeat and resume command
 * with the Kite model of test/support/kite-counter-model.ts, on a fake clock, in /dev/shm.
 * Seeds S..S+N-1 (S random unless --from is given), J worker processes at a time. A failing
 * seed is shrunk (fast-check) to a smaller history that still fails; its violations, the
 * shrunk history and how to replay it are printed. Exits 1 if any seed failed.
 *
 * `--home postgres` keeps the accounts' records in PostgreSQL instead of STATE_DIR: a server
 * of its own (test/support/postgres-server.ts: Debian's `postgresql`, a temporary folder, a
 * loopback port, fsync off as in the test file), a database for each worker, stopped and
 * removed at the end. The URL (with its password) reaches each worker in its environment.
 */
const DATABASE_URL_ENV = 'KAL_FUZZ_DATABASE_URL';
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    from: { type: 'string' },
    seed: { type: 'string', multiple: true },
    jobs: { type: 'string', default: String(Math.max(1, cpus().length)) },
    days: { type: 'string', default: '8' },
    accounts: { type: 'string', default: '3' },
    /** Where the accounts' records live: files (STATE_DIR) or postgres. */
    home: { type: 'string', default: 'files' },
    /** Seconds a failing seed may spend shrinking. */
    'shrink-seconds': { type: 'string', default: '300' },
    /** Print the failing history's whole trace. */
    verbose: { type: 'boolean', default: false },
    /** Internal: this process is a worker. */
    worker: { type: 'boolean', default: false },
    root: { type: 'string' },
  },
});

const intArg = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`fuzz:rules: --${name} must be an integer >= ${min}, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
};
const shape: HistoryShape = { maxDays: intArg('days', values.days, 1), maxAccounts: intArg('accounts', values.accounts, 1) };
/** The shipped holiday list (the compiled copy of src/ lives elsewhere than src/'s neighbour calendar/). */
const HOLIDAYS = resolve('calendar/nse-holidays.json');
const shrinkMs = intArg('shrink-seconds', values['shrink-seconds'], 0) * 1000;
if (values.home !== 'files' && values.home !== 'postgres') {
  process.stderr.write(`fuzz:rules: --home must be files or postgres, got "${values.home}"\n`);
  process.exit(2);
}
const home = values.home;

interface SeedResult {
  seed: number;
  ok: boolean;
  ms: number;
  stats?: HistoryStats | undefined;
  violations: string[];
  trace: string[];
  /** The shrunk history that still fails, and fast-check's path to it. */
  counterexample?: History | undefined;
  path?: string | undefined;
  shrinks?: number | undefined;
}

type ToWorker = { type: 'seed'; seed: number } | { type: 'done' };
type FromWorker = { type: 'ready' } | { type: 'result'; result: SeedResult };

/** One seed: its history run once; on a failure, shrunk to a smaller one that fails too. */
async function runSeed(seed: number, root: string): Promise<SeedResult> {
  const started = performance.now();
  let first: HistoryReport | undefined;
  /** The report of the smallest history found failing so far (fast-check's counterexample). */
  let shrunk: HistoryReport | undefined;
  const property = fc.asyncProperty(historyArbitrary(shape), async (history) => {
    const url = process.env[DATABASE_URL_ENV];
    const report = await runHistory(history, { root, holidaysFile: HOLIDAYS, ...(url ? { home: postgresHomes(url) } : {}) });
    first ??= report;
    if (report.violations.length === 0) return;
    shrunk = report;
    throw new Error(report.violations.join('\n'));
  });
  // The first run is never interrupted; the limit bounds the shrinking after a failure.
  const details = await fc.check(property, { seed, numRuns: 1, endOnFailure: shrinkMs === 0, ...(shrinkMs > 0 ? { interruptAfterTimeLimit: shrinkMs } : {}) });
  const report = first;
  if (!details.failed) return { seed, ok: true, ms: performance.now() - started, stats: report?.stats, violations: [], trace: [] };
  return {
    seed, ok: false, ms: performance.now() - started, stats: report?.stats,
    violations: shrunk?.violations ?? [`the history could not be run: ${describeError(details.errorInstance)}`], trace: shrunk?.trace ?? [],
    counterexample: details.counterexample?.[0], path: details.counterexamplePath ?? undefined, shrinks: details.numShrinks,
  };
}

function worker(): void {
  const root = values.root ?? tmpdir();
  const send = (message: FromWorker): void => { process.send?.(message); };
  process.on('message', (message: ToWorker) => {
    if (message.type === 'done') {
      process.disconnect();
      return;
    }
    void runSeed(message.seed, root).then((result) => send({ type: 'result', result }), (error: unknown) => {
      send({ type: 'result', result: { seed: message.seed, ok: false, ms: 0, violations: [`the run itself failed: ${describeError(error)}`], trace: [] } });
    });
  });
  send({ type: 'ready' });
}

async function main(): Promise<void> {
  const runs = intArg('runs', values.runs, 1);
  const jobs = intArg('jobs', values.jobs, 1);
  const base = values.from === undefined ? randomInt(0, 2 ** 31 - runs) : intArg('from', values.from, 0);
  const seeds = values.seed?.length ? values.seed.map((s) => intArg('seed', s, 0)) : Array.from({ length: runs }, (_, i) => base + i);
  const started = performance.now();
  const what = values.seed?.length ? `seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}` : `${runs} histories, seeds ${base}..${base + runs - 1}`;
  process.stdout.write(`fuzz:rules: ${what} (up to ${shape.maxDays} days, ${shape.maxAccounts} accounts, ${home} home), ${Math.min(jobs, seeds.length)} worker(s) on ${cpus().length} CPU(s), TZ=${process.env['TZ'] ?? '(host)'}\n`);

  const roots: string[] = [];
  const children: ChildProcess[] = [];
  const cleanup = (): void => {
    for (const child of children) child.kill('SIGKILL');
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nfuzz:rules: ${signal}: stopping\n`);
      cleanup();
      // postgres-server.ts stops its servers (immediate) on exit.
      process.exit(130);
    });
  }
  const server = home === 'postgres' ? await startServer() : undefined;
  try {
    await runSeeds(seeds, jobs, started, { roots, children, cleanup, server });
  } finally {
    await server?.stop();
    await stopAllPostgresServers();
  }
}

/** A PostgreSQL of the fuzzer's own, for `--home postgres`. */
async function startServer(): Promise<PostgresServer> {
  const server = await startPostgresServer();
  // It holds nothing beyond the run and is never crashed: commits stay commits, only not flushed to the disk.
  await server.admin('ALTER SYSTEM SET fsync = off');
  await server.admin('SELECT pg_reload_conf()');
  return server;
}

interface Workers { roots: string[]; children: ChildProcess[]; cleanup: () => void; server: PostgresServer | undefined }

async function runSeeds(seeds: number[], jobs: number, started: number, { roots, children, cleanup, server }: Workers): Promise<void> {
  const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const results: SeedResult[] = [];
  const queue = [...seeds];
  const totals = new Map<string, number>();
  const self = fileURLToPath(import.meta.url);
  await Promise.all(Array.from({ length: Math.min(jobs, seeds.length) }, async () => {
    const root = mkdtempSync(join(shm, 'kal-rules-fuzz-'));
    roots.push(root);
    const env = server ? { ...process.env, [DATABASE_URL_ENV]: server.url({ database: await server.createDatabase() }) } : process.env;
    const child = fork(self, ['--worker', '--root', root, '--days', String(shape.maxDays), '--accounts', String(shape.maxAccounts), '--shrink-seconds', String(shrinkMs / 1000)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      const next = (): void => {
        const seed = queue.shift();
        child.send(seed === undefined ? { type: 'done' } : { type: 'seed', seed } satisfies ToWorker);
      };
      child.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          next();
          return;
        }
        const { result } = message;
        results.push(result);
        for (const [key, value] of Object.entries(result.stats ?? {})) if (typeof value === 'number') totals.set(key, (totals.get(key) ?? 0) + value);
        if (!result.ok) report(result);
        if (results.length % 250 === 0 || results.length === seeds.length) {
          const failed = results.filter((r) => !r.ok).length;
          process.stdout.write(`  ${results.length}/${seeds.length} histories, ${failed} failed, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
        }
        next();
      });
      child.on('exit', (code) => (code === 0 || code === null ? resolve() : reject(new Error(`a worker exited with ${code}`))));
      child.on('error', reject);
    });
  })).finally(cleanup);

  const failed = results.filter((r) => !r.ok).sort((a, b) => a.seed - b.seed);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${results.length - failed.length}/${results.length} histories kept every property in ${seconds.toFixed(0)} s (${(seconds * 1000 / Math.max(1, results.length)).toFixed(0)} ms a history, ${Math.min(jobs, seeds.length)} worker(s)).\n`);
  process.stdout.write(`  ${[...totals].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  if (failed.length > 0) process.stdout.write(`\nFailed seeds: ${failed.map((r) => r.seed).join(', ')}\n  replay one: npm run fuzz:rules -- --seed ${failed[0]?.seed ?? 0}${home === 'files' ? '' : ` --home ${home}`}\n`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}

function report(result: SeedResult): void {
  const lines = [
    `\nFAIL seed ${result.seed} (${(result.ms / 1000).toFixed(1)} s${result.shrinks === undefined ? '' : `, shrunk ${result.shrinks} times`}):`,
    ...result.violations.map((v) => `  ${v}`),
  ];
  if (result.counterexample) lines.push(`  shrunk history (fast-check path ${result.path ?? '?'}):`, `  ${JSON.stringify(result.counterexample)}`);
  if (values.verbose || values.seed?.length) lines.push('  what happened:', ...result.trace.map((t) => `    ${t}`));
  lines.push(`  replay: npm run fuzz:rules -- --seed ${result.seed}${shape.maxDays === 8 ? '' : ` --days ${shape.maxDays}`}${shape.maxAccounts === 3 ? '' : ` --accounts ${shape.maxAccounts}`}${home === 'files' ? '' : ` --home ${home}`} --verbose`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (values.worker) {
  worker();
} else {
  await main().catch((error: unknown) => {
    process.stderr.write(`fuzz:rules: ${describeError(error)}\n`);
    process.exitCode = 2;
  });
}
