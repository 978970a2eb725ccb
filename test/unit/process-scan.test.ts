import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markedProcesses, TEST_MARK } from '../support/kite-world.js';

/*
 * The end-to-end tests count the tool's processes from /proc ("one attempt process for all
 * accounts"). A child a Node process has just forked shows its parent's command line and
 * environment until it execs: Playwright starting Chromium from the attempt process looked
 * like a second attempt process, and the daemon test failed in full runs. Here a marked process
 * named like an attempt process starts children without pause while /proc is read: it is always
 * one, never two.
 */
describe('markedProcesses counts a process, not its children caught between fork and exec', { timeout: 30_000 }, () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'process-scan-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  /**
   * Runs `lines` as a marked Node script named `name`, once it has printed its first line; it
   * stays until its stdin closes, which ends it after `check`, whatever happens.
   */
  async function withMarkedScript(name: string, lines: string[], check: (pid: number) => void): Promise<void> {
    const script = join(dir, `${name}.mjs`);
    await writeFile(script, lines.join('\n'));
    const child = spawn(process.execPath, [script], { env: { PATH: process.env['PATH'] ?? '', [TEST_MARK]: dir }, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
      });
      check(child.pid as number);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    }
  }

  it('a process that starts children all the time is one process', async () => {
    // It starts children until told to stop (its stdin closes), and says when it began.
    await withMarkedScript('fake-attempt-worker', [
      "import { spawn } from 'node:child_process';",
      'let stop = false;',
      "process.stdin.on('close', () => { stop = true; }); process.stdin.resume();",
      "const once = () => new Promise((r) => { const c = spawn('/bin/true'); c.on('exit', r); c.on('error', r); });",
      "process.stdout.write('started\\n');",
      'while (!stop) await once();',
      'process.exit(0);',
    ], (pid) => {
      const counts = new Set<number>();
      // Five hundred looks at /proc while it forks: each must find exactly the one process.
      for (let look = 0; look < 500; look += 1) counts.add(markedProcesses(dir, /fake-attempt-worker/).length);
      expect([...counts]).toEqual([1]);
      expect(markedProcesses(dir, /fake-attempt-worker/)).toEqual([pid]);
    });
  });

  it('a second such process that one of them started (running, not between fork and exec) is counted', async () => {
    // The first starts a second Node on the same script, which starts nothing; both stay until stdin closes.
    await withMarkedScript('nested-attempt-worker', [
      "import { spawn } from 'node:child_process';",
      "const nested = process.argv[2] === 'nested';",
      "const inner = nested ? undefined : spawn(process.execPath, [process.argv[1], 'nested'], { stdio: ['pipe', 'inherit', 'inherit'] });",
      "process.stdin.on('close', () => { inner?.stdin.end(); if (!inner) process.exit(0); else inner.on('exit', () => process.exit(0)); });",
      'process.stdin.resume();',
      "if (nested) process.stdout.write('started\\n');",
    ], () => {
      expect(markedProcesses(dir, /nested-attempt-worker/)).toHaveLength(2);
    });
  });
});
