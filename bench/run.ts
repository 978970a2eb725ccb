import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveChromium } from '../src/kite/browser.js';
import { AccountLedger } from '../src/ledger/account-ledger.js';
import { accountFiles } from '../src/account/files/account-files.js';
import { fileLedgerStore } from '../src/account/files/ledger-file.js';
import { sandboxAccount, startSimulator, type Simulator } from '@kite-autologin/simulator';
import { StateStore } from '../src/account/files/state-file.js';
import { istDate } from '../src/time/ist.js';
import { buildSavedToken, TokenStore } from '../src/token-store.js';
import { floorLogin, type FloorInput } from './floor.js';
import { PHASE_NAMES, phasesFromLog, type LoginPhases } from './phases.js';
import { peakWhile, sampleTree, type TreeSample } from './process-tree.js';

/**
 * `npm run bench`: where a login's seconds and megabytes go, against the built-in simulator
 * (no added latency), on this machine. Prints a table, writes bench/results/latest.json, and
 * exits 1 when a target is missed.
 *
 * `npm run bench -- --startup-only`: only the start-up section (no browser, no simulator);
 * writes bench/results/startup-latest.json.
 */
const CLI = resolve('dist/cli.js');
/** bench/floor.ts, built beside this file, run as a process of its own. */
const FLOOR = fileURLToPath(new URL('./floor.js', import.meta.url));
const MB = 1024 * 1024;
const TARGETS = { activeVsFloor: 1.3, activeMs: 1_500, processVsFloorProcess: 1.1, idleDaemonMb: 80, loginPeakMb: 400 };
/**
 * Start-up, as ratios to a bare `node -e 0` timed in the same run (absolute times depend on
 * the machine, and on what else it is doing: the ratio much less).
 */
const STARTUP = [
  { label: '--help', args: ['--help'], exitCode: 0, target: 1.5 },
  { label: '--version', args: ['--version'], exitCode: 0, target: 1.5 },
  { label: 'status', args: ['status'], exitCode: 0, target: 2 },
  { label: 'health', args: ['health'], exitCode: 0, target: 2 },
] as const;

const { values } = parseArgs({
  options: {
    logins: { type: 'string', default: '12' },
    memory: { type: 'string', default: '3' },
    starts: { type: 'string', default: '21' },
    'startup-only': { type: 'boolean', default: false },
    accounts: { type: 'string' },
  },
});
const N = Number(values.logins);
const M = Number(values.memory);
const S = Number(values.starts);
const MACHINE = { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU', node: process.version };
const machineLabel = `${MACHINE.cpus} CPUs (${MACHINE.cpuModel}), Node ${MACHINE.node}`;

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
  return runNode([CLI, ...args], env, cwd, sample);
}

function runNode(argv: string[], env: Record<string, string>, cwd: string, sample = false) {
  const child = spawn(process.execPath, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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

interface LoginTimes {
  phases: LoginPhases[];
  /** The floor's active time, run inside this process. */
  floor: number[];
  /** `kite-autologin login --force`, the whole process: spawn to exit. */
  cliWallMs: number[];
  /** bench/floor.ts as a process of its own, spawn to exit. */
  floorProcessMs: number[];
}

async function timeLogins(): Promise<LoginTimes> {
  const phases: LoginPhases[] = [];
  const floor: number[] = [];
  const cliWallMs: number[] = [];
  const floorProcessMs: number[] = [];
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

    const c = await world();
    await freshTotpWindow();
    await mkdir(join(c.dir, 'data'), { recursive: true });
    const input: FloorInput = {
      sim: { loginUrl: c.sim.loginUrl, apiRoot: c.sim.apiRoot },
      account: { userId: c.account.userId, password: c.account.password, totpSecret: c.account.totpSecret },
      app: { apiKey: c.app.apiKey, apiSecret: c.app.apiSecret, redirectUrl: c.app.redirectUrl },
      tokenFile: join(c.dir, 'data', 'floor-token.json'),
    };
    const floorStarted = performance.now();
    const floorRun = await runNode([FLOOR, JSON.stringify(input)], c.env, c.dir).done;
    floorProcessMs.push(performance.now() - floorStarted);
    if (floorRun.code !== 0) throw new Error(`the floor process failed: ${floorRun.stderr}`);
    await dispose(c);
    process.stderr.write(`  login ${i + 1}/${N}: active ${phases.at(-1)?.active} ms, floor ${Math.round(floor.at(-1) as number)} ms; `
      + `whole process ${Math.round(cliWallMs.at(-1) as number)} ms, floor process ${Math.round(floorProcessMs.at(-1) as number)} ms\n`);
  }
  return { phases, floor, cliWallMs, floorProcessMs };
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
    // Idle means idle: the morning's attempt process lingers 30 s after its last attempt (a
    // retry reuses it), so wait for the daemon to be alone, then sample for two seconds and
    // keep the last reading of a quiet process.
    for (let waited = 0; sampleTree(rootPid).processes > 1; waited += 250) {
      if (waited > 60_000) throw new Error('the attempt process did not go within 60 s of the morning');
      await new Promise((r) => setTimeout(r, 250));
    }
    const samples: TreeSample[] = [];
    for (let i = 0; i < 20; i += 1) {
      samples.push(sampleTree(rootPid));
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ...(samples.at(-1) as TreeSample), chromium: Math.max(...samples.map((s) => s.chromium)) };
  };
  const waitFor = (child: ReturnType<typeof runCli>['child'], pattern: RegExp): Promise<void> => new Promise((resolveWait, reject) => {
    let seen = '';
    const onData = (c: Buffer): void => { seen += c.toString(); if (pattern.test(seen)) { child.stderr.off('data', onData); resolveWait(); } };
    child.stderr.on('data', onData);
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

interface StartupTimes {
  starts: number;
  /** `node -e 0`, median ms. */
  floorMs: number;
  commands: { label: string; ms: number; ratio: number; target: number; ok: boolean }[];
}

/**
 * A folder as a running deployment leaves it, without credentials: today's token (a fake
 * access token), the account's attempt ledger, and a state file whose daemon (this process)
 * has just written its heartbeat; KITE_API_KEY and KITE_USER_ID name the account.
 */
async function startupWorld(dir: string): Promise<Record<string, string>> {
  const now = new Date();
  const account = { apiKey: 'benchstartupkey', userId: 'BS1234' };
  const tokenFile = join(dir, 'data', 'kite-token.json');
  await new TokenStore(tokenFile).write(buildSavedToken({
    accessToken: 'bench-not-a-token', publicToken: 'bench-not-a-token', apiKey: account.apiKey, userId: account.userId,
    userName: 'Bench', userShortname: 'Bench', email: 'bench@example.invalid', loginTime: now,
  }, now));
  const files = accountFiles({ tokenFile }, account);
  await AccountLedger.open(fileLedgerStore(files.ledger), account, now, { create: true });
  await new StateStore(files.state).update(() => ({
    daemon: { pid: process.pid, hostname: hostname(), startedAt: now.toISOString(), heartbeatAt: now.toISOString() },
    lastAttempt: { at: now.toISOString(), day: istDate(now), trigger: 'scheduled', result: 'logged-in', attempts: 1 },
  }));
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TOKEN_FILE: tokenFile, KITE_API_KEY: account.apiKey, KITE_USER_ID: account.userId };
}

/**
 * Median of S process starts of each command and of a bare `node -e 0` (the floor), spawn
 * to exit, interleaved so that drift in the machine's load hits them all alike.
 */
async function startupTimes(): Promise<StartupTimes> {
  const dir = await mkdtemp(join(tmpdir(), 'kal-bench-startup-'));
  try {
    const env = await startupWorld(dir);
    const cases = [{ label: 'node -e 0', argv: ['-e', '0'], exitCode: 0 }, ...STARTUP.map((c) => ({ label: c.label, argv: [CLI, ...c.args], exitCode: c.exitCode }))];
    const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
    for (let i = -1; i < S; i += 1) { // i = -1: a warm-up round (file cache), not counted
      for (const c of cases) {
        const started = performance.now();
        const run = spawnSync(process.execPath, c.argv, { env, cwd: dir, encoding: 'utf8' });
        const took = performance.now() - started;
        if (run.status !== c.exitCode || run.stderr !== '') {
          throw new Error(`start-up: \`${c.label}\` exited ${String(run.status)} (expected ${c.exitCode}): ${run.stderr || run.stdout}`);
        }
        if (i >= 0) times.get(c.label)?.push(took);
      }
    }
    const floorMs = median(times.get('node -e 0') ?? []);
    return {
      starts: S,
      floorMs,
      commands: STARTUP.map((c) => {
        const ms = median(times.get(c.label) ?? []);
        return { label: c.label, ms, ratio: ms / floorMs, target: c.target, ok: ms <= c.target * floorMs };
      }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function startupLines(startup: StartupTimes): string[] {
  return [
    `Start-up (median of ${startup.starts} process starts each, spawn to exit, interleaved; ${machineLabel}):`,
    `  ${'node -e 0 (the floor)'.padEnd(26)} ${ms(startup.floorMs).padStart(8)}`,
    ...startup.commands.map((c) => `  ${c.label.padEnd(26)} ${ms(c.ms).padStart(8)}   ${c.ratio.toFixed(2)} x floor`),
  ];
}

function startupChecks(startup: StartupTimes): { target: string; value: string; ok: boolean }[] {
  return startup.commands.map((c) => ({
    target: `${c.label} <= ${c.target} x node -e 0 (start-up)`,
    value: `${c.ratio.toFixed(2)} x (${ms(c.ms)} vs ${ms(startup.floorMs)})`,
    ok: c.ok,
  }));
}

const ms = (n: number): string => `${Math.round(n)} ms`;
const mb = (n: number): string => `${(n / MB).toFixed(0)} MB`;

const targetLines = (checks: { target: string; value: string; ok: boolean }[]): string[] =>
  ['Targets:', ...checks.map((c) => `  ${c.ok ? 'ok  ' : 'MISS'}  ${c.target.padEnd(56)} ${c.value}`)];

async function writeReport(name: string, report: unknown): Promise<void> {
  await mkdir(resolve('bench/results'), { recursive: true });
  await writeFile(resolve('bench/results', name), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`Written: bench/results/${name}\n`);
}

/** `--startup-only`: no browser, no simulator; quick enough to run while others work. */
async function startupOnly(): Promise<void> {
  process.stderr.write(`kite-autologin bench, start-up only: ${S} starts of each command and of node -e 0\n`);
  const startup = await startupTimes();
  const checks = startupChecks(startup);
  const lines = ['', `kite-autologin bench (start-up only)  ${new Date().toISOString()}`, '', ...startupLines(startup), '', ...targetLines(checks), ''];
  process.stdout.write(lines.join('\n'));
  await writeReport('startup-latest.json', { at: new Date().toISOString(), machine: MACHINE, startup, targets: checks });
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

async function main(): Promise<void> {
  const chromiumPath = resolveChromium(process.env['CHROMIUM_PATH']);
  const chromiumVersion = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8' }).trim();
  process.stderr.write(`kite-autologin bench: ${N} timed logins (and as many floor runs, in this process and as processes), ${M} memory runs, ${S} starts of each command\n`);
  const timing = await timeLogins();
  const peaks = await loginPeaks();
  const idle = await idleDaemon();
  const startup = await startupTimes();

  const phaseMedians = Object.fromEntries([...PHASE_NAMES, 'totp window wait', 'active'].map((name) => [name, median(timing.phases.map((p) => p[name as keyof LoginPhases]))]));
  const active = phaseMedians['active'] as number;
  const floor = median(timing.floor);
  const cliWall = median(timing.cliWallMs);
  const floorProcess = median(timing.floorProcessMs);
  const loginPeak = peaks.reduce((a, b) => (b.pssBytes > a.pssBytes ? b : a));
  const checks = [
    { target: `active login median <= ${TARGETS.activeVsFloor} x floor`, value: `${(active / floor).toFixed(2)} x`, ok: active <= TARGETS.activeVsFloor * floor },
    { target: `active login median < ${TARGETS.activeMs} ms`, value: ms(active), ok: active < TARGETS.activeMs },
    {
      target: `login process <= ${TARGETS.processVsFloorProcess} x floor process (spawn to exit)`,
      value: `${(cliWall / floorProcess).toFixed(2)} x (${ms(cliWall)} vs ${ms(floorProcess)})`,
      ok: cliWall <= TARGETS.processVsFloorProcess * floorProcess,
    },
    ...startupChecks(startup),
    { target: `idle daemon < ${TARGETS.idleDaemonMb} MB resident (after start)`, value: mb(idle.afterStart.rssBytes), ok: idle.afterStart.rssBytes < TARGETS.idleDaemonMb * MB },
    { target: `idle daemon < ${TARGETS.idleDaemonMb} MB resident (after a login)`, value: mb(idle.afterLogin.rssBytes), ok: idle.afterLogin.rssBytes < TARGETS.idleDaemonMb * MB },
    { target: 'no Chromium process while idle', value: String(Math.max(idle.afterStart.chromium, idle.afterLogin.chromium)), ok: idle.afterStart.chromium === 0 && idle.afterLogin.chromium === 0 },
    // The tree's memory is its PSS: Chromium's processes map the same ~100 MB of code, which
    // an RSS sum counts once per process (it is reported too, as an upper bound).
    { target: `login peak < ${TARGETS.loginPeakMb} MB, whole tree (PSS)`, value: `${mb(loginPeak.pssBytes)} (RSS sum ${mb(loginPeak.rssBytes)})`, ok: loginPeak.pssBytes < TARGETS.loginPeakMb * MB },
  ];

  const lines = [
    '',
    `kite-autologin bench  ${new Date().toISOString()}  ${machineLabel}  ${chromiumVersion}`,
    '',
    `Login phases (median of ${N}):`,
    ...PHASE_NAMES.map((name) => `  ${name.padEnd(26)} ${ms(phaseMedians[name] as number).padStart(8)}${name === 'browser closed' ? '   (from the capture, alongside the exchange)' : ''}`),
    `  ${'active total'.padEnd(26)} ${ms(active).padStart(8)}`,
    `  ${'totp window wait (apart)'.padEnd(26)} ${ms(phaseMedians['totp window wait'] as number).padStart(8)}`,
    `  ${'floor (bare Playwright)'.padEnd(26)} ${ms(floor).padStart(8)}   ratio ${(active / floor).toFixed(2)}   (active time)`,
    `  ${'CLI process, wall'.padEnd(26)} ${ms(cliWall).padStart(8)}   (spawn to exit: node start and imports included)`,
    `  ${'floor process, wall'.padEnd(26)} ${ms(floorProcess).padStart(8)}   ratio ${(cliWall / floorProcess).toFixed(2)}   (bench/floor.ts as a process, spawn to exit)`,
    '',
    'Memory:',
    `  login peak, whole tree      ${mb(loginPeak.pssBytes).padStart(8)} PSS  (RSS sum ${mb(loginPeak.rssBytes)}: shared Chromium code counted per process), ${loginPeak.processes} processes (${loginPeak.chromium} Chromium)`,
    `  idle daemon after start     ${mb(idle.afterStart.rssBytes).padStart(8)} RSS, ${idle.afterStart.chromium} Chromium`,
    `  idle daemon after a login   ${mb(idle.afterLogin.rssBytes).padStart(8)} RSS, ${idle.afterLogin.chromium} Chromium`,
    '',
    ...startupLines(startup),
    '',
    ...targetLines(checks),
    '',
  ];
  process.stdout.write(lines.join('\n'));

  await writeReport('latest.json', {
    at: new Date().toISOString(),
    machine: { ...MACHINE, chromium: chromiumVersion },
    logins: N,
    phasesMedianMs: phaseMedians,
    floorMedianMs: floor,
    ratio: active / floor,
    cliWallMedianMs: cliWall,
    floorProcessMedianMs: floorProcess,
    processRatio: cliWall / floorProcess,
    runs: timing.phases.map((p, i) => ({ ...p, floor: timing.floor[i], cliWall: timing.cliWallMs[i], floorProcess: timing.floorProcessMs[i] })),
    memory: {
      loginPeak: { rssMb: loginPeak.rssBytes / MB, pssMb: loginPeak.pssBytes / MB, processes: loginPeak.processes, chromium: loginPeak.chromium },
      idleAfterStart: { rssMb: idle.afterStart.rssBytes / MB, chromium: idle.afterStart.chromium },
      idleAfterLogin: { rssMb: idle.afterLogin.rssBytes / MB, chromium: idle.afterLogin.chromium },
    },
    startup,
    targets: checks,
  });
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

await (values.accounts !== undefined
  ? (await import('./accounts.js')).benchAccounts(Number(values.accounts))
  : values['startup-only'] ? startupOnly() : main());
