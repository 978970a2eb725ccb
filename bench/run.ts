import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveChromium } from '../src/kite/browser.js';
import { sandboxAccount, startSimulator, type Simulator } from '../src/simulator/index.js';
import { floorLogin } from './floor.js';
import { PHASE_NAMES, phasesFromLog, type LoginPhases } from './phases.js';
import { peakWhile, sampleTree, type TreeSample } from './process-tree.js';

/**
 * `npm run bench`: where a login's seconds and megabytes go, against the built-in simulator
 * (no added latency), on this machine. Prints a table, writes bench/results/latest.json, and
 * exits 1 when a target is missed.
 */
const CLI = resolve('dist/cli.js');
const MB = 1024 * 1024;
const TARGETS = { activeVsFloor: 1.3, activeMs: 1_500, startupMs: 250, idleDaemonMb: 80, loginPeakMb: 400 };

const { values } = parseArgs({ options: { logins: { type: 'string', default: '12' }, memory: { type: 'string', default: '3' } } });
const N = Number(values.logins);
const M = Number(values.memory);

interface World { sim: Simulator; env: Record<string, string>; dir: string; account: ReturnType<typeof sandboxAccount>['account']; app: ReturnType<typeof sandboxAccount>['app'] }

/** A fresh simulator and account each time, so every login is a first login (consent page included). */
async function world(): Promise<World> {
  const { account, app } = sandboxAccount();
  const sim = await startSimulator({ accounts: [account], apps: [app] });
  const dir = await mkdtemp(join(tmpdir(), 'kal-bench-'));
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir,
    KITE_API_KEY: app.apiKey, KITE_API_SECRET: app.apiSecret, KITE_USER_ID: account.userId, KITE_PASSWORD: account.password,
    KITE_TOTP_SECRET: account.totpSecret, KITE_REDIRECT_URL: app.redirectUrl, KITE_LOGIN_URL: sim.loginUrl, KITE_API_ROOT: sim.apiRoot,
    TOKEN_FILE: join(dir, 'data', 'kite-token.json'), LOG_LEVEL: 'info',
    ...(process.env['CHROMIUM_PATH'] ? { CHROMIUM_PATH: process.env['CHROMIUM_PATH'] } : {}),
  };
  return { sim, env, dir, account, app };
}

async function dispose(w: World): Promise<void> {
  await w.sim.close();
  await rm(w.dir, { recursive: true, force: true });
}

/** Neither the tool nor the floor should meet the end of a TOTP window inside a timed run. */
async function freshTotpWindow(): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 8_000) await new Promise((r) => setTimeout(r, left + 50));
}

function runCli(args: string[], env: Record<string, string>, cwd: string, sample = false) {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.on('close', (code) => r({ code, stdout, stderr })));
  const peak = sample ? peakWhile(child.pid as number, done) : Promise.resolve(undefined);
  return { child, done, peak };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function timeLogins(): Promise<{ phases: LoginPhases[]; floor: number[]; cliWallMs: number[] }> {
  const phases: LoginPhases[] = [];
  const floor: number[] = [];
  const cliWallMs: number[] = [];
  for (let i = 0; i < N; i += 1) {
    // Interleaved, so drift in the machine's load hits both alike.
    const a = await world();
    await freshTotpWindow();
    const started = performance.now();
    const result = await runCli(['login', '--force'], a.env, a.dir).done;
    cliWallMs.push(performance.now() - started);
    if (result.code !== 0) throw new Error(`login failed: ${result.stderr}`);
    phases.push(phasesFromLog(result.stderr));
    await dispose(a);

    const b = await world();
    await freshTotpWindow();
    await mkdir(join(b.dir, 'data'), { recursive: true });
    floor.push(await floorLogin(b.sim, b.account, b.app, join(b.dir, 'data', 'floor-token.json')));
    await dispose(b);
    process.stderr.write(`  login ${i + 1}/${N}: active ${phases.at(-1)?.active} ms, floor ${Math.round(floor.at(-1) as number)} ms\n`);
  }
  return { phases, floor, cliWallMs };
}

async function loginPeaks(): Promise<TreeSample[]> {
  const peaks: TreeSample[] = [];
  for (let i = 0; i < M; i += 1) {
    const w = await world();
    await freshTotpWindow();
    const run = runCli(['login', '--force'], w.env, w.dir, true);
    const [result, peak] = await Promise.all([run.done, run.peak]);
    if (result.code !== 0) throw new Error(`login failed: ${result.stderr}`);
    peaks.push(peak as TreeSample);
    await dispose(w);
  }
  return peaks;
}

/** The daemon idle: after start (today's token already valid), and after one login. */
async function idleDaemon(): Promise<{ afterStart: TreeSample; afterLogin: TreeSample }> {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date());
  const daemonEnv = { CRON_SCHEDULE: '0 0 * * *', EXTRA_TRADING_DATES: today, RETRY_DEADLINE: '23:59' };
  const settle = async (rootPid: number): Promise<TreeSample> => {
    // Idle means idle: sample for two seconds and keep the last reading of a quiet process.
    const samples: TreeSample[] = [];
    for (let i = 0; i < 20; i += 1) {
      samples.push(sampleTree(rootPid));
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ...(samples.at(-1) as TreeSample), chromium: Math.max(...samples.map((s) => s.chromium)) };
  };
  const waitFor = (child: ReturnType<typeof runCli>['child'], pattern: RegExp): Promise<void> => new Promise((resolveWait, reject) => {
    let seen = '';
    const onData = (c: Buffer): void => { seen += c.toString(); if (pattern.test(seen)) { child.stderr?.off('data', onData); resolveWait(); } };
    child.stderr?.on('data', onData);
    child.once('close', () => reject(new Error(`daemon exited before ${pattern}: ${seen.slice(-500)}`)));
  });

  const w = await world();
  await freshTotpWindow();
  const first = runCli(['run'], { ...w.env, ...daemonEnv }, w.dir);
  // "morning done" is logged once the login has returned, its browser closed.
  await waitFor(first.child, /"msg":"morning done/);
  const afterLogin = await settle(first.child.pid as number);
  first.child.kill('SIGTERM');
  await first.done;

  const second = runCli(['run'], { ...w.env, ...daemonEnv }, w.dir);
  await waitFor(second.child, /today's token is valid","msg":"no run"/);
  const afterStart = await settle(second.child.pid as number);
  second.child.kill('SIGTERM');
  await second.done;
  await dispose(w);
  return { afterStart, afterLogin };
}

async function startupTimes(): Promise<{ help: number; status: number }> {
  const w = await world();
  await freshTotpWindow();
  await runCli(['login', '--force'], w.env, w.dir).done;
  const time = (args: string[]): number => {
    const runs: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const started = performance.now();
      const r = spawnSync(process.execPath, [CLI, ...args], { env: w.env, cwd: w.dir });
      runs.push(performance.now() - started);
      if (args[0] === 'status' && r.status !== 0) throw new Error(`status failed: ${r.stdout}`);
    }
    return median(runs);
  };
  const result = { help: time(['--help']), status: time(['status']) };
  await copyFile(w.env['TOKEN_FILE'] as string, join(w.dir, 'copy.json')).catch(() => undefined);
  await dispose(w);
  return result;
}

const ms = (n: number): string => `${Math.round(n)} ms`;
const mb = (n: number): string => `${(n / MB).toFixed(0)} MB`;

async function main(): Promise<void> {
  const chromiumPath = resolveChromium(process.env['CHROMIUM_PATH']);
  const chromiumVersion = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8' }).trim();
  process.stderr.write(`kite-autologin bench: ${N} timed logins (and as many floor runs), ${M} memory runs\n`);
  const timing = await timeLogins();
  const peaks = await loginPeaks();
  const idle = await idleDaemon();
  const startup = await startupTimes();

  const phaseMedians = Object.fromEntries([...PHASE_NAMES, 'totp window wait', 'active'].map((name) => [name, median(timing.phases.map((p) => p[name as keyof LoginPhases]))]));
  const active = phaseMedians['active'] as number;
  const floor = median(timing.floor);
  const loginPeak = peaks.reduce((a, b) => (b.pssBytes > a.pssBytes ? b : a));
  const checks = [
    { target: `active login median <= ${TARGETS.activeVsFloor} x floor`, value: `${(active / floor).toFixed(2)} x`, ok: active <= TARGETS.activeVsFloor * floor },
    { target: `active login median < ${TARGETS.activeMs} ms`, value: ms(active), ok: active < TARGETS.activeMs },
    { target: `--help < ${TARGETS.startupMs} ms`, value: ms(startup.help), ok: startup.help < TARGETS.startupMs },
    { target: `status < ${TARGETS.startupMs} ms`, value: ms(startup.status), ok: startup.status < TARGETS.startupMs },
    { target: `idle daemon < ${TARGETS.idleDaemonMb} MB resident (after start)`, value: mb(idle.afterStart.rssBytes), ok: idle.afterStart.rssBytes < TARGETS.idleDaemonMb * MB },
    { target: `idle daemon < ${TARGETS.idleDaemonMb} MB resident (after a login)`, value: mb(idle.afterLogin.rssBytes), ok: idle.afterLogin.rssBytes < TARGETS.idleDaemonMb * MB },
    { target: 'no Chromium process while idle', value: String(Math.max(idle.afterStart.chromium, idle.afterLogin.chromium)), ok: idle.afterStart.chromium === 0 && idle.afterLogin.chromium === 0 },
    // The tree's memory is its PSS: Chromium's processes map the same ~100 MB of code, which
    // an RSS sum counts once per process (it is reported too, as an upper bound).
    { target: `login peak < ${TARGETS.loginPeakMb} MB, whole tree (PSS)`, value: `${mb(loginPeak.pssBytes)} (RSS sum ${mb(loginPeak.rssBytes)})`, ok: loginPeak.pssBytes < TARGETS.loginPeakMb * MB },
  ];

  const lines = [
    '',
    `kite-autologin bench  ${new Date().toISOString()}  ${cpus().length} CPUs  Node ${process.version}  ${chromiumVersion}`,
    '',
    `Login phases (median of ${N}):`,
    ...PHASE_NAMES.map((name) => `  ${name.padEnd(26)} ${ms(phaseMedians[name] as number).padStart(8)}${name === 'browser closed' ? '   (from the capture, alongside the exchange)' : ''}`),
    `  ${'active total'.padEnd(26)} ${ms(active).padStart(8)}`,
    `  ${'totp window wait (apart)'.padEnd(26)} ${ms(phaseMedians['totp window wait'] as number).padStart(8)}`,
    `  ${'floor (bare Playwright)'.padEnd(26)} ${ms(floor).padStart(8)}   ratio ${(active / floor).toFixed(2)}`,
    `  ${'CLI process, wall'.padEnd(26)} ${ms(median(timing.cliWallMs)).padStart(8)}   (node start and imports included)`,
    '',
    'Memory:',
    `  login peak, whole tree      ${mb(loginPeak.pssBytes).padStart(8)} PSS  (RSS sum ${mb(loginPeak.rssBytes)}: shared Chromium code counted per process), ${loginPeak.processes} processes (${loginPeak.chromium} Chromium)`,
    `  idle daemon after start     ${mb(idle.afterStart.rssBytes).padStart(8)} RSS, ${idle.afterStart.chromium} Chromium`,
    `  idle daemon after a login   ${mb(idle.afterLogin.rssBytes).padStart(8)} RSS, ${idle.afterLogin.chromium} Chromium`,
    '',
    'Start-up (median of 10):',
    `  --help                      ${ms(startup.help).padStart(8)}`,
    `  status                      ${ms(startup.status).padStart(8)}`,
    '',
    'Targets:',
    ...checks.map((c) => `  ${c.ok ? 'ok  ' : 'MISS'}  ${c.target.padEnd(52)} ${c.value}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));

  const report = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, chromium: chromiumVersion },
    logins: N,
    phasesMedianMs: phaseMedians,
    floorMedianMs: floor,
    ratio: active / floor,
    cliWallMedianMs: median(timing.cliWallMs),
    runs: timing.phases.map((p, i) => ({ ...p, floor: timing.floor[i] })),
    memory: {
      loginPeak: { rssMb: loginPeak.rssBytes / MB, pssMb: loginPeak.pssBytes / MB, processes: loginPeak.processes, chromium: loginPeak.chromium },
      idleAfterStart: { rssMb: idle.afterStart.rssBytes / MB, chromium: idle.afterStart.chromium },
      idleAfterLogin: { rssMb: idle.afterLogin.rssBytes / MB, chromium: idle.afterLogin.chromium },
    },
    startupMedianMs: startup,
    targets: checks,
  };
  await mkdir(resolve('bench/results'), { recursive: true });
  await writeFile(resolve('bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`Written: bench/results/latest.json\n`);
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

await main();
