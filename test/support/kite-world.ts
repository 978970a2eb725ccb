import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sandboxAccount, startSimulator, type PageVariant, type Simulator } from '../../src/simulator/index.js';
import type { SimAccount, SimApp } from '../../src/simulator/kite-rules.js';

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
 * Chromium started under `dir` (Playwright gives the browser a process group of its own).
 */
export function killLeftovers(dir?: string): void {
  for (const pid of running) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  running.clear();
  if (dir) {
    for (const line of chromiumProcesses().filter((l) => l.includes(dir))) {
      try { process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL'); } catch { /* already gone */ }
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
  /** Chromium processes started from this world (their profile lives under `dir`). */
  browsers(): string[];
  close(): Promise<void>;
}

export interface WorldOptions {
  variant?: PageVariant;
  redirectUrl?: string;
  now?: () => number;
}

/** A simulator with a throwaway account, a temp folder, and the env a user would set. */
export async function kiteWorld(options: WorldOptions = {}): Promise<KiteWorld> {
  const { account, app } = sandboxAccount();
  if (options.redirectUrl) app.redirectUrl = options.redirectUrl;
  const sim = await startSimulator({
    accounts: [account], apps: [app], variant: options.variant ?? 'newest',
    ...(options.now ? { now: options.now } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), 'kal-e2e-'));
  const tokenFile = join(dir, 'data', 'kite-token.json');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    TMPDIR: dir,
    KITE_API_KEY: app.apiKey,
    KITE_API_SECRET: app.apiSecret,
    KITE_USER_ID: account.userId,
    KITE_PASSWORD: account.password,
    KITE_TOTP_SECRET: account.totpSecret,
    KITE_REDIRECT_URL: app.redirectUrl,
    KITE_LOGIN_URL: sim.loginUrl,
    KITE_API_ROOT: sim.apiRoot,
    TOKEN_FILE: tokenFile,
    STEP_TIMEOUT_SECONDS: '15',
    ...(process.env['CHROMIUM_PATH'] ? { CHROMIUM_PATH: process.env['CHROMIUM_PATH'] } : {}),
  };
  const spawnIn = (args: string[], extraEnv: Record<string, string> = {}): RunningCli => spawnCli(args, { ...env, ...extraEnv }, dir);
  return {
    sim, account, app, dir, tokenFile, env,
    spawn: spawnIn,
    run: (args, extraEnv) => spawnIn(args, extraEnv).result,
    browsers: () => chromiumProcesses().filter((line) => line.includes(dir)),
    close: async () => {
      killLeftovers(dir);
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Command lines of running Chromium processes started by Playwright (temp profile dir). */
export function chromiumProcesses(): string[] {
  let listing = '';
  try {
    listing = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return listing.split('\n').filter((line) => /chrom/i.test(line) && line.includes('playwright_chromiumdev_profile'));
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
