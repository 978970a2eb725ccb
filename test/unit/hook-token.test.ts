import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryHome } from '../../src/account/memory-home.js';
import type { MorningRecord } from '../../src/account/record.js';
import { accountHook } from '../../src/hook/account-hook.js';
import { commandName } from '../../src/hook/command-name.js';
import { describeHookRun } from '../../src/hook/describe-hook-run.js';
import { hookEnv } from '../../src/hook/hook-env.js';
import { runTokenHook, type TokenHookDeps } from '../../src/hook/run-token-hook.js';
import { createLogger } from '../../src/logger.js';
import type { Notice } from '../../src/notify/notice.js';
import { testDaemonConfig } from '../support/daemon-config.js';

/** ON_TOKEN_COMMAND end to end in one process: a real /bin/sh, a memory record, a recording notifier. */

const SECRETS = {
  password: 'pw-SECRET-123', apiSecret: 'api-SECRET-456', totp: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  database: 'postgres://u:db-SECRET-789@127.0.0.1/x', redis: 'redis://:redis-SECRET-000@127.0.0.1',
  accessToken: 'access-SECRET-token-abc', publicToken: 'public-SECRET-token-def',
};

let dir: string;
let tokenFile: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kal-hook-'));
  tokenFile = join(dir, 'data', 'kite-token.json');
  await mkdir(join(dir, 'data'));
  await writeFile(tokenFile, JSON.stringify({
    access_token: SECRETS.accessToken, public_token: SECRETS.publicToken, api_key: 'k', user_id: 'AB1234', user_name: '', user_shortname: '', email: '',
    login_time: '2026-11-24T08:05:09+05:30', expires_at: '2026-11-25T06:00:00+05:30', saved_at: '2026-11-24T08:05:10+05:30',
  }));
});
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

/** The tool's environment as a daemon would have it: every secret in it. */
const toolEnv = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/home/trader', LANG: 'C.UTF-8',
  KITE_PASSWORD: SECRETS.password, KITE_API_SECRET: SECRETS.apiSecret, KITE_TOTP_SECRET: SECRETS.totp,
  DATABASE_URL: SECRETS.database, REDIS_URL: SECRETS.redis, WEBHOOK_URL: 'http://127.0.0.1:9/hook-SECRET',
};

function harness(command: string, timeoutMs = 10_000) {
  const lines: string[] = [];
  const notices: Notice[] = [];
  const config = testDaemonConfig(dir, {
    KITE_PASSWORD: SECRETS.password, KITE_API_SECRET: SECRETS.apiSecret, KITE_TOTP_SECRET: SECRETS.totp, TOKEN_FILE: tokenFile,
    ON_TOKEN_COMMAND: command, ON_TOKEN_TIMEOUT_SECONDS: String(timeoutMs / 1000),
  });
  const record = memoryHome().record(config.credentials, config);
  const deps: Omit<TokenHookDeps, 'title' | 'secrets'> = {
    logger: createLogger('debug', { write: (line: string) => { lines.push(line); } }),
    notifier: { notify: (n) => { notices.push(n); return Promise.resolve(); }, heartbeat: () => Promise.resolve() },
    morning: record.morning, env: toolEnv, cwd: dir,
  };
  const hook = accountHook(config, { name: 'Mother', title: 'Mother (AB1234)' }, deps);
  if (!hook) throw new Error('ON_TOKEN_COMMAND is set');
  return { hook, record, notices, log: () => lines.join(''), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('ON_TOKEN_COMMAND', () => {
  it('runs with PATH, HOME and the four KITE_ variables only: no secret in its environment, its arguments or the log', async () => {
    const dump = join(dir, 'dump');
    const h = harness(`env > ${dump}; cat /proc/$$/cmdline | tr '\\0' ' ' >> ${dump}`);
    const run = await h.hook('2026-11-25T06:00:00+05:30');
    expect(run).toMatchObject({ result: 'ok', exitCode: 0, command: 'env', expiresAt: '2026-11-25T06:00:00+05:30' });
    const seen = await readFile(dump, 'utf8');
    const names = seen.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]).filter((n) => n !== 'PWD' && n !== 'SHLVL' && n !== '_');
    expect(names.sort()).toEqual(['HOME', 'KITE_ACCOUNT_NAME', 'KITE_TOKEN_EXPIRES_AT', 'KITE_TOKEN_FILE', 'KITE_USER_ID', 'PATH']);
    expect(seen).toContain(`KITE_TOKEN_FILE=${tokenFile}\n`);
    expect(seen).toContain('KITE_USER_ID=AB1234\n');
    expect(seen).toContain('KITE_ACCOUNT_NAME=Mother\n');
    expect(seen).toContain('KITE_TOKEN_EXPIRES_AT=2026-11-25T06:00:00+05:30\n');
    expect(seen).toContain('HOME=/home/trader\n');
    for (const secret of [...Object.values(SECRETS), 'hook-SECRET']) {
      expect(seen).not.toContain(secret);
      expect(h.log()).not.toContain(secret);
    }
    expect(h.notices).toEqual([]);
    expect((await h.record.morning.read()).hook).toMatchObject({ result: 'ok', exitCode: 0, command: 'env' });
  });

  it('logs its output bounded and blanks the token out of it; never logs the command line beyond its first word', async () => {
    const h = harness(`AUTH=hdr-SECRET-1 cat "$KITE_TOKEN_FILE"; echo ${SECRETS.password}; head -c 20000 /dev/zero | tr "\\0" y; echo; echo the-end`);
    const run = await h.hook('2026-11-25T06:00:00+05:30');
    expect(run.result).toBe('ok');
    const done = h.entries().find((e) => e['msg'] === 'ON_TOKEN_COMMAND done');
    expect(done).toMatchObject({ hook: 'cat', result: 'ok', outputBytes: expect.any(Number) });
    const output = String(done?.['output']);
    expect(output).toContain('[redacted]');
    expect(output).toMatch(/bytes of output left out/);
    expect(output).toMatch(/the-end\n$/);
    expect(Buffer.byteLength(output)).toBeLessThan(4096 + 100);
    for (const secret of [SECRETS.accessToken, SECRETS.publicToken, SECRETS.password, 'hdr-SECRET-1', 'head -c']) expect(h.log()).not.toContain(secret);
  });

  it('a failure: exit code recorded, alerted once with the account\'s title, never thrown', async () => {
    const h = harness('echo "no route to the program" >&2; exit 7');
    const run = await h.hook('2026-11-25T06:00:00+05:30');
    expect(run).toMatchObject({ result: 'failed', exitCode: 7, command: 'echo' });
    expect((await h.record.morning.read()).hook).toEqual(run);
    expect(h.notices).toHaveLength(1);
    expect(h.notices[0]).toMatchObject({ event: 'hook-failed', userId: 'Mother (AB1234)', step: 'hook' });
    expect(h.notices[0]?.text).toContain('ON_TOKEN_COMMAND (echo) exited with code 7');
    expect(h.notices[0]?.text).toContain(tokenFile);
    expect(h.entries().find((e) => e['msg'] === 'ON_TOKEN_COMMAND failed; the token is saved')).toMatchObject({ level: 'error', exitCode: 7, output: 'no route to the program\n' });
  });

  it('a command that hangs is killed at its timeout with its children and grandchildren, recorded and alerted as such', async () => {
    const pids = join(dir, 'pids');
    // The hook's shell starts a shell that starts a `sleep`: the sleep is the tool's great-grandchild.
    const h = harness(`echo $$ > ${pids}; sh -c 'sleep 1000 & echo $! >> ${pids}; wait' & wait`, 1_000);
    const t0 = performance.now();
    const run = await h.hook('2026-11-25T06:00:00+05:30');
    expect(performance.now() - t0).toBeLessThan(8_000);
    expect(run.result).toBe('timed-out');
    expect((await h.record.morning.read()).hook).toEqual(run);
    expect(h.notices).toHaveLength(1);
    expect(h.notices[0]?.text).toContain('did not finish within 1s and was killed');
    expect(describeHookRun(run)).toMatch(/^timed out: killed after 1\.\ds$/);
    const started = (await readFile(pids, 'utf8')).trim().split('\n').map(Number);
    expect(started).toHaveLength(2);
    const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
    await expect.poll(() => started.filter(alive), { timeout: 5_000 }).toEqual([]);
  });

  it('killed because the tool is stopping: recorded as interrupted, not alerted', async () => {
    const h = harness('sleep 1000');
    const controller = new AbortController();
    const running = h.hook('2026-11-25T06:00:00+05:30', controller.signal);
    await expect.poll(() => h.log().includes('running ON_TOKEN_COMMAND')).toBe(true);
    controller.abort();
    expect((await running).result).toBe('interrupted');
    expect(h.notices).toEqual([]);
  });

  it('a record that cannot be written does not fail it', async () => {
    const broken: MorningRecord = { place: 'nowhere', read: () => Promise.reject(new Error('down')), update: () => Promise.reject(new Error('down')) };
    const config = testDaemonConfig(dir, { ON_TOKEN_COMMAND: 'true' });
    const run = await runTokenHook(config.hook ?? { command: 'true', timeoutMs: 1000 }, { tokenFile, userId: 'AB1234', accountName: '', expiresAt: '' }, {
      logger: createLogger('silent'), morning: broken, env: toolEnv, cwd: dir,
    });
    expect(run.result).toBe('ok');
  });

  it('is not there without ON_TOKEN_COMMAND', () => {
    const config = testDaemonConfig(dir);
    expect(accountHook(config, { name: '', title: 'AB1234' }, { logger: createLogger('silent'), morning: memoryHome().record(config.credentials, config).morning, env: {}, cwd: dir })).toBeUndefined();
  });
});

describe('what of the command line is shown', () => {
  it('is the program\'s name: assignments before it skipped, quotes dropped, long names cut', () => {
    expect(commandName('systemctl restart trader.service')).toBe('systemctl');
    expect(commandName('  TOKEN=s3cret API=x /opt/bin/push --all')).toBe('/opt/bin/push');
    expect(commandName('"/opt/bin/run" x')).toBe('/opt/bin/run');
    expect(commandName('curl;rm')).toBe('curl;rm');
    expect(commandName('X=1')).toBe('(shell)');
    expect(commandName(`/${'a'.repeat(100)}`)).toHaveLength(63);
  });
});

describe('the environment allow-list', () => {
  it('takes PATH and HOME from the tool, a default PATH when it has none, and nothing else', () => {
    const token = { tokenFile: '/t.json', userId: 'AB1234', accountName: '', expiresAt: '' };
    expect(hookEnv({ PATH: '/bin', HOME: '/h', KITE_PASSWORD: 'x', LD_PRELOAD: '/evil.so' }, token)).toEqual({
      PATH: '/bin', HOME: '/h', KITE_TOKEN_FILE: '/t.json', KITE_USER_ID: 'AB1234', KITE_ACCOUNT_NAME: '', KITE_TOKEN_EXPIRES_AT: '',
    });
    expect(hookEnv({}, token)['PATH']).toMatch(/\/usr\/bin/);
    expect(hookEnv({}, token)).not.toHaveProperty('HOME');
  });
});
