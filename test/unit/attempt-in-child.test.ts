import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAttemptProcess, type AttemptProcess } from '../../src/daemon/attempt-in-child.js';
import { killAfterMs, SHUTDOWN_BUDGET_MS } from '../../src/daemon/shutdown-budget.js';

const worker = (name: string): URL => new URL(`../support/workers/${name}.mjs`, import.meta.url);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie is gone too
  } catch {
    return false;
  }
}

describe('the attempt process: stopping it', () => {
  let dir: string;
  let ready: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-child-'));
    ready = join(dir, 'ready');
    process.env['READY_FILE'] = ready; // the worker's environment is ours, less the secrets
  });
  afterEach(async () => {
    delete process.env['READY_FILE'];
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the worker, aborts once its SIGTERM handler is in place, and returns what the attempt threw. */
  async function runAndAbort(name: string, kill: number): Promise<{ error: unknown; pid: number }> {
    const controller = new AbortController();
    const attempt = openAttemptProcess({ worker: worker(name), killAfterMs: kill }).attempt(controller.signal);
    await expect.poll(() => existsSync(ready) && readFileSync(ready, 'utf8') !== '').toBe(true);
    const pid = Number(readFileSync(ready, 'utf8'));
    controller.abort(new Error('SIGTERM'));
    const error = await attempt.then(() => undefined, (e: unknown) => e);
    return { error, pid };
  }

  it('the kill falls inside the one shutdown budget', () => {
    expect(killAfterMs()).toBeLessThan(SHUTDOWN_BUDGET_MS);
    expect(killAfterMs(8_000)).toBe(6_000);
  });

  it('an attempt that ignores SIGTERM is killed with SIGKILL after killAfterMs, and is gone', async () => {
    const { error, pid } = await runAndAbort('stubborn-worker', 300);
    expect(error).toMatchObject({ code: 'BROWSER_FAILED', message: expect.stringContaining('SIGKILL') });
    expect(alive(pid)).toBe(false);
  });

  it('an attempt that exits on SIGTERM ends by itself and is not SIGKILLed', async () => {
    const { error, pid } = await runAndAbort('polite-worker', 60_000);
    expect(error).toMatchObject({ code: 'BROWSER_FAILED', message: expect.stringContaining('exit code 0') });
    expect(alive(pid)).toBe(false);
  });
});

describe('the attempt process: every account\'s attempts in one process', () => {
  let dir: string;
  let logFile: string;
  let releaseFile: string;
  let attempts: AttemptProcess;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-shared-'));
    logFile = join(dir, 'log');
    releaseFile = join(dir, 'release');
    writeFileSync(logFile, '');
  });
  afterEach(async () => {
    await attempts.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (idleMs = 60_000): AttemptProcess => (attempts = openAttemptProcess({ worker: worker('plan-worker'), idleMs, killAfterMs: 2_000 }));
  /** One attempt whose environment (sent over IPC, as the daemon sends each account's) tells the worker what to do. */
  const start = (label: string, plan: string, signal = new AbortController().signal) => attempts.attempt(signal, {
    env: { PLAN: plan, LABEL: label, LOG_FILE: logFile, RELEASE_FILE: releaseFile, EXPIRES_AT: `expiry-of-${label}` }, account: label,
  });
  /** The worker's log: `<event> <id> <pid> <label>` per line. */
  const events = (): { event: string; pid: number; label: string }[] => readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean)
    .map((line) => { const [event = '', , pid = '', label = ''] = line.split(' '); return { event, pid: Number(pid), label }; });
  const inFlight = (...labels: string[]) => expect.poll(() => labels.every((l) => events().some((e) => e.event === 'started' && e.label === l))).toBe(true);

  it('two attempts in flight at once, in one process, each get their own result', async () => {
    open();
    const a = start('A', 'hold');
    const b = start('B', 'hold');
    await inFlight('A', 'B');
    const c = start('C', 'reject');
    expect(await c.then(() => undefined, (e: unknown) => e)).toMatchObject({ code: 'CREDENTIALS_REJECTED', exitCode: 3 });
    writeFileSync(releaseFile, '');
    await expect(a).resolves.toEqual({ kind: 'logged-in', expiresAt: 'expiry-of-A' });
    await expect(b).resolves.toEqual({ kind: 'logged-in', expiresAt: 'expiry-of-B' });
    const pids = new Set(events().map((e) => e.pid));
    expect(pids.size).toBe(1);
    expect([...pids][0]).toBe(attempts.pid());
  });

  it('the secrets reach each attempt over IPC, never the process\'s environment', async () => {
    process.env['KITE_PASSWORD'] = 'a-password-of-the-daemon';
    try {
      open();
      const outcome = await attempts.attempt(new AbortController().signal, { env: { PLAN: 'env', LOG_FILE: logFile, KITE_PASSWORD: 'an-account-password' } });
      expect(outcome.expiresAt).toBe('process:false attempt:true');
    } finally {
      delete process.env['KITE_PASSWORD'];
    }
  });

  it('aborting one attempt abandons that one only: the other goes on in the same process', async () => {
    open();
    const stopA = new AbortController();
    const a = start('A', 'hold', stopA.signal);
    const b = start('B', 'hold');
    await inFlight('A', 'B');
    const pid = attempts.pid() as number;
    stopA.abort(new Error('stop A'));
    expect(await a.then(() => undefined, (e: unknown) => e)).toMatchObject({ code: 'ABORTED' });
    expect(events().filter((e) => e.event === 'aborted').map((e) => e.label)).toEqual(['A']);
    expect(alive(pid)).toBe(true);
    writeFileSync(releaseFile, '');
    await expect(b).resolves.toEqual({ kind: 'logged-in', expiresAt: 'expiry-of-B' });
    expect(attempts.pid()).toBe(pid);
  });

  it('a crash of the process fails the attempts in flight (BROWSER_FAILED); the next attempt starts a new one', async () => {
    open();
    const a = start('A', 'hold');
    const b = start('B', 'hold');
    await inFlight('A', 'B');
    const crashed = attempts.pid() as number;
    process.kill(crashed, 'SIGKILL');
    for (const failed of await Promise.all([a, b].map((p) => p.then(() => undefined, (e: unknown) => e)))) {
      expect(failed).toMatchObject({ code: 'BROWSER_FAILED', message: expect.stringContaining('SIGKILL') });
    }
    await expect(start('C', 'answer')).resolves.toEqual({ kind: 'logged-in', expiresAt: 'expiry-of-C' });
    const next = events().find((e) => e.label === 'C')?.pid;
    expect(next).toBeDefined();
    expect(next).not.toBe(crashed);
    expect(alive(next as number)).toBe(true);
  });

  it('the process stays for the next attempt within the idle period, and is gone after it', async () => {
    open(400);
    await expect(start('A', 'answer')).resolves.toMatchObject({ expiresAt: 'expiry-of-A' });
    await expect(start('B', 'answer')).resolves.toMatchObject({ expiresAt: 'expiry-of-B' });
    const [first, second] = events().map((e) => e.pid);
    expect(second).toBe(first); // B came within the idle period: the same process took it
    await expect.poll(() => alive(first as number)).toBe(false);
    expect(attempts.pid()).toBeUndefined();
    await expect(start('C', 'answer')).resolves.toMatchObject({ expiresAt: 'expiry-of-C' });
    expect(events().at(-1)?.pid).not.toBe(first);
  });

  it('an attempt in flight longer than the idle period keeps the process', async () => {
    open(50);
    const a = start('A', 'hold');
    await inFlight('A');
    const pid = attempts.pid() as number;
    // A second, quick attempt ends while A is in flight: no idle countdown starts while one is.
    await expect(start('B', 'answer')).resolves.toMatchObject({ expiresAt: 'expiry-of-B' });
    await expect(start('C', 'answer')).resolves.toMatchObject({ expiresAt: 'expiry-of-C' });
    expect(new Set(events().map((e) => e.pid))).toEqual(new Set([pid]));
    writeFileSync(releaseFile, '');
    await expect(a).resolves.toMatchObject({ expiresAt: 'expiry-of-A' });
    await expect.poll(() => alive(pid)).toBe(false);
  });
});
