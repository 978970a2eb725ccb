import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliEnvFor, sandboxAccount, startSimulator, type PageVariant, type SecondFactor, type SimAccount, type SimApp, type Simulator } from '@kite-autologin/simulator';

export const CLI = resolve('dist/cli.js');

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface RunningCli {
  pid: number;
  result: Promise<CliResult>;
  /** Resolves when stdout or stderr has printed something matching `pattern`. */
  waitForOutput(pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Process groups of CLIs spawned by this test worker that have not exited yet. */
const running = new Set<number>();

/**
 * Kills whatever a test left running: each spawned CLI's whole process group, then any
 * Chromium marked with `dir` (Playwright gives the browser a process group of its own).
 */
export function killLeftovers(dir?: string): void {
  for (const pid of running) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  running.clear();
  if (dir) {
    for (const line of chromiumProcesses(dir)) {
      try { process.kill(Number(line.split(' ')[0]), 'SIGKILL'); } catch { /* already gone */ }
    }
  }
}

/**
 * Spawns the built CLI with exactly `env` (nothing inherited: no real KITE_* can leak in).
 * With `raw`, `args` is the whole command line (the container rehearsal's entrypoint).
 */
export function spawnCli(args: string[], env: Record<string, string>, cwd: string, options: { raw?: boolean } = {}): RunningCli {
  const [command, ...rest] = options.raw ? args : [process.execPath, CLI, ...args];
  // Its own process group, so that a test that fails midway can still kill all of it.
  const child = spawn(command as string, rest, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child.pid as number);
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of waiters.filter((w) => w.pattern.test(stdout) || w.pattern.test(stderr))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); check(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); check(); });
  const result = new Promise<CliResult>((resolvePromise) => {
    child.on('close', (code, signal) => {
      running.delete(child.pid as number);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: child.pid as number,
    result,
    waitForOutput: (pattern) => (pattern.test(stdout) || pattern.test(stderr) ? Promise.resolve() : new Promise((r) => waiters.push({ pattern, resolve: r }))),
    kill: (signal) => { child.kill(signal); },
  };
}

export interface KiteWorld {
  sim: Simulator;
  account: SimAccount;
  app: SimApp;
  dir: string;
  tokenFile: string;
  env: Record<string, string>;
  run(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  spawn(args: string[], extraEnv?: Record<string, string>): RunningCli;
  /** Chromium processes (all of each browser's processes) started from this world. */
  browsers(): string[];
  close(): Promise<void>;
}

export interface WorldOptions {
  variant?: PageVariant;
  redirectUrl?: string;
  now?: () => number;
  /** Serve the fuzzed login page of this page-shape seed (src/simulator/shapes/). */
  shapeSeed?: number;
  /** The account's second factor as Kite has it (default `totp`: external TOTP enabled). */
  twofa?: SecondFactor;
}

/** A simulator with a throwaway account, a temp folder, and the env a user would set. */
export async function kiteWorld(options: WorldOptions = {}): Promise<KiteWorld> {
  const { account, app } = sandboxAccount();
  if (options.redirectUrl) app.redirectUrl = options.redirectUrl;
  if (options.twofa) account.twofa = options.twofa;
  const sim = await startSimulator({
    accounts: [account], apps: [app], variant: options.variant ?? 'newest',
    ...(options.now ? { now: options.now } : {}),
    ...(options.shapeSeed !== undefined ? { shapeSeed: options.shapeSeed } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), 'kal-e2e-'));
  const tokenFile = join(dir, 'data', 'kite-token.json');
  const env = cliEnvFor(sim, account, app, dir, { name: TEST_MARK, value: dir });

  const spawnIn = (args: string[], extraEnv: Record<string, string> = {}): RunningCli => spawnCli(args, { ...env, ...extraEnv }, dir);
  return {
    sim, account, app, dir, tokenFile, env,
    spawn: spawnIn,
    run: (args, extraEnv) => spawnIn(args, extraEnv).result,
    browsers: () => chromiumProcesses(dir),
    close: async () => {
      killLeftovers(dir);
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every process a test starts carries this variable (Chromium's children inherit it). */
export const TEST_MARK = 'KITE_AUTOLOGIN_TEST';

/**
 * Running Chromium processes started by this suite (or by the world whose mark is `mark`),
 * as "pid command": every browser process carrying the mark in its environment, and all its
 * descendants (renderers reuse their environment block for the process title, so the mark
 * is read from the browser). Without `mark`, orphaned Chromium children (a `--type=` process
 * whose parent is no Chromium) count too: their browser died without them.
 */
export function chromiumProcesses(mark?: string): string[] {
  return chromiumTree(mark).map(({ pid, comm }) => `${pid} ${comm}`);
}

/**
 * The browsers among chromiumProcesses(mark): the top process of each Chromium (its helpers,
 * renderers and zygotes carry `--type=`), as "pid command".
 */
export function chromiumBrowsers(mark?: string): string[] {
  // A browser is started by the tool, never by another Chromium: a Chromium child without
  // `--type=` is a helper caught between fork and exec, still showing its parent's command line.
  const tree = chromiumTree(mark);
  const pids = new Set(tree.map(({ pid }) => pid));
  return tree.filter(({ cmd, ppid }) => !cmd.includes('--type=') && !pids.has(ppid)).map(({ pid, comm }) => `${pid} ${comm}`);
}

function chromiumTree(mark?: string): { pid: number; ppid: number; comm: string; cmd: string }[] {
  const procs = new Map<number, { comm: string; ppid: number; cmd: string; mark: string | undefined }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      let cmd = '';
      let marked: string | undefined;
      if (/^chrom/i.test(comm)) {
        cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
        marked = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0')
          .find((v) => v.startsWith(`${TEST_MARK}=`))?.slice(TEST_MARK.length + 1);
      }
      procs.set(Number(entry), { comm, ppid, cmd, mark: marked });
    } catch {
      // gone while we looked
    }
  }
  const isChromium = (pid: number): boolean => /^chrom/i.test(procs.get(pid)?.comm ?? '');
  const found = new Set<number>();
  for (const [pid, p] of procs) {
    if (isChromium(pid) && p.mark !== undefined && (mark === undefined || p.mark === mark)) found.add(pid);
    if (mark === undefined && isChromium(pid) && p.cmd.includes('--type=') && !isChromium(p.ppid)) found.add(pid);
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!found.has(pid) && found.has(p.ppid) && isChromium(pid)) { found.add(pid); grew = true; }
    }
  }
  return [...found].map((pid) => ({ pid, ppid: procs.get(pid)?.ppid ?? 0, comm: procs.get(pid)?.comm ?? '', cmd: procs.get(pid)?.cmd ?? '' }));
}

/**
 * Processes carrying `mark` (see TEST_MARK) whose command line matches `command`: their pids.
 * A child such a process has just forked shows its parent's command line and environment until
 * it execs (Playwright starting Chromium, say): one whose parent matches too and that has a
 * single thread (fork copies only the thread that called it; a running Node has several) is
 * that, and is not counted.
 */
export function markedProcesses(mark: string, command: RegExp): number[] {
  const found = new Map<number, { ppid: number; threads: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!command.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${TEST_MARK}=${mark}`)) continue;
      const line = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const stat = line.slice(line.lastIndexOf(')') + 2).split(' ');
      // Fields after the command: state, ppid, ... num_threads is the 20th field of the line (index 17 here).
      found.set(Number(entry), { ppid: Number(stat[1]), threads: Number(stat[17]) });
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return [...found].filter(([, { ppid, threads }]) => !(found.has(ppid) && threads === 1)).map(([pid]) => pid);
}

/** The settings under which the daemon and `run --once` act today, whatever day it is. */
export function todayIsTradingEnv(): Record<string, string> {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date());
  return {
    CRON_SCHEDULE: '0 0 * * *',
    EXTRA_TRADING_DATES: today,
    RETRY_DEADLINE: '23:59',
    RETRY_BACKOFF_SECONDS: '0.2',
  };
}
