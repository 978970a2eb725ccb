import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptInChild } from '../../src/daemon/attempt-in-child.js';
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

describe('attemptInChild: stopping the attempt process', () => {
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
    const attempt = attemptInChild(controller.signal, { worker: worker(name), killAfterMs: kill });
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
