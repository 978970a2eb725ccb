import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cliEnvFor, sandboxAccount, startSimulator, type Simulator } from '@kite-autologin/simulator';
import { generateShape, judgeShapeRun, SHAPE_DIMENSIONS, shapeFeatures, type ShapeDimension } from '@kite-autologin/simulator/shapes';
import { killAll, MARK, ProcessWatch } from './processes.js';

/**
 * `npm run fuzz -- --seeds N [--from S] [--seed S] [--jobs J]`: the real CLI
 * (`node dist/cli.js login`) against fresh simulators serving fuzzed login pages
 * (packages/kite-simulator/src/shapes/), one throwaway account and temp folder per seed, J at
 * a time. A page asking for the App Code or an SMS OTP makes its account one without external
 * TOTP (the simulator's doing), and must end in a stop with no code typed. Prints, per shape
 * feature, how many seeds passed and failed, then every failed seed with its features, exit
 * code, first line of its error, what it pressed after the code, and how to replay it. Exits
 * 1 if any seed failed. Every process a seed started (the CLI, its Chromium) is killed after
 * it, and its temp folder removed; on Ctrl-C, everything still running.
 */
const CLI = resolve('dist/cli.js');

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '50' },
    from: { type: 'string', default: '0' },
    seed: { type: 'string', multiple: true },
    jobs: { type: 'string', default: '2' },
    /** Seconds before a login is killed (the CLI's own step timeout is 15 s). */
    timeout: { type: 'string', default: '150' },
    /** Print each failed seed's CLI output (the default when replaying one seed). */
    verbose: { type: 'boolean', default: false },
  },
});

const intArg = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`fuzz: --${name} must be an integer >= ${min}, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
};
const seeds = values.seed?.length
  ? values.seed.map((s) => intArg('seed', s, 0))
  : Array.from({ length: intArg('seeds', values.seeds, 1) }, (_, i) => intArg('from', values.from, 0) + i);
const jobs = intArg('jobs', values.jobs, 1);
const timeoutMs = intArg('timeout', values.timeout, 1) * 1000;
const verbose = values.verbose || seeds.length === 1;

interface SeedResult {
  seed: number;
  features: Record<ShapeDimension, string>;
  pass: boolean;
  problems: string[];
  exitCode: number | null;
  error: string;
  stderr: string;
  harm: number;
  /** What was pressed on the pages after the code, in order ("Allow", "decoy: Set up passkey"). */
  pressed: string[];
  ms: number;
}

/** Everything still running, for Ctrl-C: process group → mark; temp folders; simulators. */
const live = new Map<string, { pgid: number | undefined; sim: Simulator; watch: ProcessWatch }>();
let interrupted = false;

async function runSeed(seed: number): Promise<SeedResult> {
  const started = Date.now();
  const shape = generateShape(seed);
  const { account, app } = sandboxAccount();
  const sim = await startSimulator({ accounts: [account], apps: [app], shapeSeed: seed });
  const dir = await mkdtemp(join(tmpdir(), 'kal-fuzz-'));
  const env = cliEnvFor(sim, account, app, dir, { name: MARK, value: dir });

  const entry: { pgid: number | undefined; sim: Simulator; watch: ProcessWatch } = { pgid: undefined, sim, watch: new ProcessWatch(dir) };
  live.set(dir, entry);
  let stderr = '';
  let exitCode: number | null;
  let timedOut = false as boolean; // set by the kill timer, which narrowing does not see
  try {
    // Its own process group, so that all of it can be killed.
    const child = spawn(process.execPath, [CLI, 'login'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    entry.pgid = child.pid;
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-(child.pid as number), 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    exitCode = await new Promise<number | null>((resolveExit) => {
      child.on('error', (err) => { stderr += `${err.message}\n`; resolveExit(null); });
      child.on('close', (code) => resolveExit(code));
    });
    clearTimeout(timer);
  } finally {
    const left = await killAll(entry.pgid, dir, entry.watch);
    if (left.length > 0) process.stderr.write(`fuzz: seed ${seed}: could not kill ${left.join(', ')}\n`);
    live.delete(dir);
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
  const run = {
    exitCode,
    apiLogin: sim.count('api-login'),
    apiTwofa: sim.count('api-twofa'),
    typed: sim.count('fuzz-typed'),
    harm: sim.count('fuzz-harm'),
    typedCode: sim.requests.filter((r) => r.path === '/fuzz/typed/code').length,
    decoys: sim.steps.filter((s) => s.outcome === 'decoy').length,
    backgroundSecrets: sim.background.filter((b) => b.carriesSecret).length,
    errorCode: errorCode(stderr),
  };
  const verdict = judgeShapeRun(shape, run);
  const problems = timedOut ? [`killed after ${timeoutMs / 1000}s`, ...verdict.problems] : verdict.problems;
  return {
    seed,
    features: shapeFeatures(shape),
    pass: verdict.pass && !timedOut,
    problems,
    exitCode,
    error: firstError(stderr),
    stderr,
    harm: run.harm,
    pressed: sim.steps.map((s) => (s.outcome === 'decoy' ? `decoy: ${s.pressed}` : s.pressed)),
    ms: Date.now() - started,
  };
}

/** The code of the CLI's own error line ("kite-autologin: CODE: ..."), '' without one. */
function errorCode(stderr: string): string {
  return /^kite-autologin: ([A-Z][A-Z_]+): /m.exec(stderr)?.[1] ?? '';
}

/**
 * The CLI's own error line ("kite-autologin: CODE: ..."), else the first line that is not a
 * JSON log, else (a CLI killed while working) its last log message.
 */
function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  let line = lines.find((l) => l.startsWith('kite-autologin:')) ?? lines.find((l) => !l.startsWith('{'));
  if (line === undefined && lines.length > 0) {
    try {
      const last = JSON.parse(lines[lines.length - 1] as string) as { msg?: string; step?: string };
      line = `(no error printed; last log: ${last.step ? `${last.step}: ` : ''}${last.msg ?? ''})`;
    } catch {
      line = lines[lines.length - 1];
    }
  }
  line ??= '';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

async function cleanupAndExit(code: number): Promise<never> {
  await Promise.all([...live].map(async ([dir, { pgid, sim, watch }]) => {
    await killAll(pgid, dir, watch);
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }));
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nfuzz: ${signal}: stopping, killing what is still running\n`);
    void cleanupAndExit(130);
  });
}

function table(results: SeedResult[]): string {
  const rows: string[][] = [['feature', 'value', 'pass', 'fail']];
  for (const dimension of Object.keys(SHAPE_DIMENSIONS) as ShapeDimension[]) {
    const byValue = new Map<string, { pass: number; fail: number }>();
    for (const r of results) {
      const cell = byValue.get(r.features[dimension]) ?? { pass: 0, fail: 0 };
      if (r.pass) cell.pass += 1;
      else cell.fail += 1;
      byValue.set(r.features[dimension], cell);
    }
    let first = true;
    for (const value of SHAPE_DIMENSIONS[dimension] as readonly string[]) {
      const cell = byValue.get(value);
      if (!cell) continue;
      rows.push([first ? dimension : '', value, String(cell.pass), cell.fail ? String(cell.fail) : '.']);
      first = false;
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** The features that tell one page from another, for a failed seed's line. */
function describe(f: Record<ShapeDimension, string>): string {
  if (f.solvable === 'no') return `captcha ${f.captcha}, host ${f.host}`;
  const overlay = f.overlay === 'none' ? 'no overlay'
    : `overlay ${f.overlay} ${f['overlay-style']} dismiss "${f.dismiss}"${f.harmful === 'none' ? '' : ` + harmful "${f.harmful}"`} (${f['overlay-under']})`;
  const afterCode = f['after-code'] === 'none' ? ''
    : `after the code: ${f['after-code'] === 'offers' ? '' : `consent "${f['consent-words']}" (${f['consent-decoys']} decoys)`}${f.offers === '0' ? '' : `${f['after-code'] === 'both' ? ' + ' : ''}${f.offers} offer(s), first skipped by "${f['offer-skip']}"`}`;
  const late = f['late-dialog'] === 'none' ? '' : `late dialog ${f['late-dialog']}${f['late-look'] === 'none' ? '' : `/${f['late-look']}`} on ${f['late-screen']} ("${f['late-dismiss']}")`;
  const background = f.background === 'none' ? '' : `background ${f.background} to ${f['background-to']}${f['background-fails'] === 'none' ? '' : `, failing ${f['background-fails']}`}`;
  return [
    f['second-factor'] === 'totp' ? '' : `asks for ${f['second-factor']} ("${f['code-words']}")`,
    `host ${f.host}`, f.steps, f.form, `control ${f.control} "${f['login-text']}"`, `enter ${f.enter}`,
    `labels ${f.label}/${f['code-label']}`, `code ${f.code} ${f['code-type']} by ${f['code-submit']}`, overlay,
    `ids ${f['user-id']}/${f['code-id']}`, `delay ${f.delay}`, f.banner === 'yes' ? 'cookie banner' : '', f['user-chip'] === 'none' ? '' : `chip "${f['user-chip']}"`,
    afterCode, late, background,
  ].filter(Boolean).join(', ');
}

async function main(): Promise<void> {
  const started = Date.now();
  process.stdout.write(`fuzz: ${seeds.length} seed(s) ${seeds.length > 1 ? `${seeds[0]}..${seeds[seeds.length - 1]} ` : `${seeds[0]} `}against ${CLI}, ${jobs} at a time\n`);
  const results: SeedResult[] = [];
  const queue = [...seeds];
  const worker = async (): Promise<void> => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const result = await runSeed(seed);
      if (interrupted) return;
      results.push(result);
      process.stdout.write(`  seed ${String(seed).padStart(5)}  ${result.pass ? 'pass' : 'FAIL'}  exit ${String(result.exitCode).padEnd(4)} ${(result.ms / 1000).toFixed(1).padStart(5)}s  ${result.pass ? '' : result.error.slice(0, 90)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, seeds.length) }, worker));
  if (interrupted) return;
  results.sort((a, b) => a.seed - b.seed);
  const failed = results.filter((r) => !r.pass);
  process.stdout.write(`\n${table(results)}\n`);
  if (failed.length > 0) {
    process.stdout.write(`\nFailed seeds (${failed.length}):\n`);
    for (const r of failed) {
      process.stdout.write(`\n  seed ${r.seed}: ${describe(r.features)}\n`);
      process.stdout.write(`    exit ${String(r.exitCode)}; ${r.problems.join('; ')}${r.harm ? `; clicked a harmful control ${r.harm}x` : ''}\n`);
      if (r.pressed.length > 0) process.stdout.write(`    pressed after the code: ${r.pressed.map((p) => `"${p}"`).join(', ')}\n`);
      if (r.error) process.stdout.write(`    ${r.error}\n`);
      if (verbose) process.stdout.write(`    CLI stderr:\n${r.stderr.trimEnd().split('\n').map((l) => `      ${l}`).join('\n')}\n`);
      process.stdout.write(`    replay: npm run fuzz -- --seed ${r.seed}\n`);
    }
  }
  process.stdout.write(`\n${results.length - failed.length}/${results.length} seeds passed in ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch(async (err: unknown) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  await cleanupAndExit(2);
});
