import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BoundedOutput, runCommand, type RunCommandOptions } from '../../src/process/run-command.js';

/** src/process/run-command.ts against real processes: `/bin/sh -c`, a temp folder, no fixed sleeps. */

let dir: string;
const started: number[] = [];
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-run-')); });
afterEach(async () => {
  for (const pid of started.splice(0)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  await rm(dir, { recursive: true, force: true });
});

const sh = (line: string, extra: Partial<RunCommandOptions> = {}): ReturnType<typeof runCommand> => runCommand({
  file: '/bin/sh', args: ['-c', line], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, cwd: dir, timeoutMs: 10_000, ...extra,
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A pid a command wrote to a file (waited for: the command writes it before anything else). */
async function pidIn(file: string): Promise<number> {
  let text = '';
  await expect.poll(async () => { text = await readFile(file, 'utf8').catch(() => ''); return /^\d+\n/.test(text); }, { timeout: 5_000 }).toBe(true);
  const pid = Number(text.trim());
  started.push(pid);
  return pid;
}

describe('runCommand', () => {
  it('gives the program exactly the environment it is handed, and its arguments', async () => {
    const run = await sh('env; printf "arg:%s\\n" "$0" "$@"', { args: ['-c', 'env; printf "arg:%s\\n" "$0" "$@"', 'zero', 'one two'], env: { PATH: '/usr/bin:/bin', ONLY: 'this' } });
    expect(run.end).toEqual({ kind: 'exited', exitCode: 0 });
    const names = run.output.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]).filter((n) => n !== 'PWD' && n !== 'SHLVL' && n !== '_');
    expect(names.sort()).toEqual(['ONLY', 'PATH']);
    expect(run.output).toContain('arg:zero\narg:one two\n');
  });

  it('reports the exit code, and a signal that did not come from it', async () => {
    expect((await sh('exit 3')).end).toEqual({ kind: 'exited', exitCode: 3 });
    expect((await sh('echo fine')).end).toEqual({ kind: 'exited', exitCode: 0 });
    expect((await sh('kill -KILL $$')).end).toEqual({ kind: 'signalled', signal: 'SIGKILL' });
  });

  it('kills the whole process group at the timeout, children included, and says so', async () => {
    const t0 = performance.now();
    const run = await sh(`sleep 1000 & echo $! > ${join(dir, 'child')}; sleep 1000`, { timeoutMs: 300 });
    expect(run.end).toEqual({ kind: 'timed-out' });
    expect(performance.now() - t0).toBeLessThan(5_000);
    const child = await pidIn(join(dir, 'child'));
    await expect.poll(() => alive(child), { timeout: 5_000 }).toBe(false);
  });

  it('SIGKILLs a group that ignores SIGTERM, after the grace', async () => {
    const t0 = performance.now();
    const run = await sh(`trap "" TERM; sleep 1000 & echo $! > ${join(dir, 'child')}; wait`, { timeoutMs: 200, killGraceMs: 300 });
    expect(run.end).toEqual({ kind: 'timed-out' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    expect(performance.now() - t0).toBeLessThan(5_000);
    const child = await pidIn(join(dir, 'child'));
    await expect.poll(() => alive(child), { timeout: 5_000 }).toBe(false);
  });

  it('stops at the caller\'s signal like at the timeout', async () => {
    const controller = new AbortController();
    const running = sh(`echo $$ > ${join(dir, 'pid')}; sleep 1000`, { signal: controller.signal });
    const pid = await pidIn(join(dir, 'pid'));
    controller.abort();
    expect((await running).end).toEqual({ kind: 'aborted' });
    await expect.poll(() => alive(pid), { timeout: 5_000 }).toBe(false);
    // Already aborted: nothing is started.
    expect((await sh(`touch ${join(dir, 'never')}`, { signal: AbortSignal.abort() })).end).toEqual({ kind: 'aborted' });
    await expect(readFile(join(dir, 'never'))).rejects.toThrow();
  });

  it('keeps the start and the end of a flood of output, within the limit, and says how much was left out', async () => {
    const run = await sh('echo START; head -c 200000 /dev/zero | tr "\\0" x; echo; echo END >&2', { outputLimit: 1024 });
    expect(run.end).toEqual({ kind: 'exited', exitCode: 0 });
    expect(run.outputBytes).toBe(6 + 200_000 + 1 + 4);
    expect(run.output.startsWith('START\n')).toBe(true);
    expect(run.output.endsWith('END\n')).toBe(true);
    expect(run.output).toMatch(/\[\.\.\. \d+ bytes of output left out \.\.\.\]/);
    expect(Buffer.byteLength(run.output)).toBeLessThan(1024 + 100);
  });

  it('never rejects: a program that does not exist, a folder that does not exist', async () => {
    expect((await runCommand({ file: join(dir, 'nope'), args: [], env: {}, cwd: dir, timeoutMs: 1_000 })).end).toEqual({ kind: 'not-started', reason: 'ENOENT' });
    expect((await sh('true', { cwd: join(dir, 'missing') })).end).toEqual({ kind: 'not-started', reason: 'ENOENT' });
  });

  it('does not wait for a background process that keeps its pipes open after it exits, and leaves that process alone', async () => {
    const t0 = performance.now();
    const run = await sh(`sleep 1000 & echo $! > ${join(dir, 'bg')}; echo started`, { drainMs: 200 });
    expect(run.end).toEqual({ kind: 'exited', exitCode: 0 });
    expect(run.output).toBe('started\n');
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(alive(await pidIn(join(dir, 'bg')))).toBe(true);
  });
});

describe('BoundedOutput', () => {
  it('keeps everything under the limit, and the two halves over it', () => {
    const small = new BoundedOutput(10);
    small.add(Buffer.from('abc'));
    small.add(Buffer.from('defgh'));
    expect(small.text()).toBe('abcdefgh');
    const big = new BoundedOutput(10);
    for (const chunk of ['01234', '56789', 'abcde', 'fghij']) big.add(Buffer.from(chunk));
    expect(big.bytes).toBe(20);
    expect(big.text()).toBe('01234\n[... 10 bytes of output left out ...]\nfghij');
  });
});
