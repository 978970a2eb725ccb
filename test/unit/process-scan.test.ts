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

  it('a process that starts children all the time is one process', async () => {
    const script = join(dir, 'fake-attempt-worker.mjs');
    // It starts children until told to stop (its stdin closes), and says when it began.
    await writeFile(script, [
      "import { spawn } from 'node:child_process';",
      'let stop = false;',
      "process.stdin.on('close', () => { stop = true; }); process.stdin.resume();",
      "const once = () => new Promise((r) => { const c = spawn('/bin/true'); c.on('exit', r); c.on('error', r); });",
      "process.stdout.write('started\\n');",
      'while (!stop) await once();',
      'process.exit(0);',
    ].join('\n'));
    const child = spawn(process.execPath, [script], { env: { PATH: process.env['PATH'] ?? '', [TEST_MARK]: dir }, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the fake attempt process exited (${code})`)));
      });
      const counts = new Set<number>();
      // Five hundred looks at /proc while it forks: each must find exactly the one process.
      for (let look = 0; look < 500; look += 1) counts.add(markedProcesses(dir, /fake-attempt-worker/).length);
      expect([...counts]).toEqual([1]);
      expect(markedProcesses(dir, /fake-attempt-worker/)).toEqual([child.pid]);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    }
  });
});
