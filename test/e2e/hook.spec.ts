import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SavedToken } from '../../src/token-store.js';
import { family, secretsOf } from '../support/family.js';
import { expect, test } from '../support/fixtures.js';
import { todayIsTradingEnv } from '../support/kite-world.js';
import { startReceiver } from '../support/receiver.js';

/*
 * ON_TOKEN_COMMAND through the built CLI against the simulator: a script in the test's
 * folder records each run (its environment and arguments, one file per run) in $HOME/hook-runs
 * (the CLI's HOME is the test's folder).
 */

const RECORDER = `#!/bin/sh
f=$(mktemp "$HOME/hook-runs/run.XXXXXX")
env > "$f"
printf 'argv:%s\\n' "$0" "$@" >> "$f"
echo "recorded a run for $KITE_USER_ID"
`;

/** The script at `dir/name` (executable), and ON_TOKEN_COMMAND running it with an argument that must never be logged. */
async function script(dir: string, name: string, text: string): Promise<Record<string, string>> {
  await mkdir(join(dir, 'hook-runs'), { recursive: true });
  const path = join(dir, name);
  await writeFile(path, text);
  await chmod(path, 0o755);
  return { ON_TOKEN_COMMAND: `${path} --argument-never-logged` };
}

interface Run { env: Record<string, string>; argv: string[]; text: string }

async function runsIn(dir: string): Promise<Run[]> {
  const names = await readdir(join(dir, 'hook-runs')).catch(() => []);
  return Promise.all(names.map(async (name) => {
    const text = await readFile(join(dir, 'hook-runs', name), 'utf8');
    const lines = text.split('\n');
    const env = Object.fromEntries(lines.filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    // The shell sets these itself.
    for (const own of ['PWD', 'SHLVL', '_', 'OLDPWD']) Reflect.deleteProperty(env, own);
    return { env, argv: lines.filter((l) => l.startsWith('argv:')).map((l) => l.slice(5)), text };
  }));
}

const ALLOWED = ['HOME', 'KITE_ACCOUNT_NAME', 'KITE_TOKEN_EXPIRES_AT', 'KITE_TOKEN_FILE', 'KITE_USER_ID', 'PATH'];

test('login runs ON_TOKEN_COMMAND once, with the token\'s file, user, name and expiry and no secret; a login that keeps the token does not run it', async ({ kite }) => {
  const world = await kite();
  const receiver = await startReceiver();
  const botToken = '123456:SECRET-bot-token';
  try {
    const env = {
      ...await script(world.dir, 'hook.sh', RECORDER),
      WEBHOOK_URL: `${receiver.url}/hook-SECRET-path`, TELEGRAM_BOT_TOKEN: botToken, TELEGRAM_CHAT_ID: '-1001', TELEGRAM_API_ROOT: receiver.url,
      HEARTBEAT_URL: `${receiver.url}/ping/SECRET-ping`,
    };
    const first = await world.run(['login'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`ON_TOKEN_COMMAND \\(${world.dir}/hook\\.sh\\): ok, exit code 0 \\(\\d+\\.\\ds\\)\\.`));
    const [run, ...more] = await runsIn(world.dir);
    expect(more).toEqual([]);
    const token = JSON.parse(await readFile(world.tokenFile, 'utf8')) as SavedToken;
    expect(Object.keys(run?.env ?? {}).sort()).toEqual(ALLOWED);
    expect(run?.env).toEqual({
      PATH: world.env['PATH'], HOME: world.dir, KITE_TOKEN_FILE: world.tokenFile, KITE_USER_ID: world.account.userId,
      KITE_ACCOUNT_NAME: '', KITE_TOKEN_EXPIRES_AT: token.expires_at,
    });
    expect(run?.argv).toEqual([join(world.dir, 'hook.sh'), '--argument-never-logged']);
    // Its output is logged; the command line beyond its first word never is.
    expect(first.stderr).toContain(`recorded a run for ${world.account.userId}`);
    expect(first.stderr).not.toContain('--argument-never-logged');
    const everything = `${run?.text ?? ''}\n${first.stdout}\n${first.stderr}`;
    for (const secret of [world.account.password, world.account.totpSecret, world.app.apiSecret, token.access_token, token.public_token, botToken, 'SECRET-path', 'SECRET-ping']) {
      expect(everything).not.toContain(secret);
    }
    expect(receiver.received.filter((r) => r.body.includes('hook-failed'))).toEqual([]);

    const again = await world.run(['login'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/still valid/);
    expect(await runsIn(world.dir)).toHaveLength(1);
    expect((await world.run(['status'], env)).stdout).toMatch(/Last hook: {4}ON_TOKEN_COMMAND \(.*hook\.sh\) at .* for the token valid until .*: ok, exit code 0/);
  } finally {
    await receiver.close();
  }
});

test('login --dry-run does not run ON_TOKEN_COMMAND', async ({ kite }) => {
  const world = await kite();
  const env = await script(world.dir, 'hook.sh', RECORDER);
  const dry = await world.run(['login', '--dry-run'], env);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).not.toContain('ON_TOKEN_COMMAND');
  expect(await runsIn(world.dir)).toEqual([]);
});

test('a failing command: the login still exits 0, the failure is alerted and `status` shows it', async ({ kite }) => {
  const world = await kite();
  const receiver = await startReceiver();
  try {
    const env = { ...await script(world.dir, 'fail.sh', '#!/bin/sh\necho "the trading program said no" >&2\nexit 7\n'), WEBHOOK_URL: `${receiver.url}/hook` };
    const result = await world.run(['login'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Logged in as/);
    expect(result.stdout).toMatch(/ON_TOKEN_COMMAND \(.*fail\.sh\): failed: exit code 7 .*; the token is saved/);
    expect(result.stderr).toMatch(/"output":"the trading program said no\\n".*"msg":"ON_TOKEN_COMMAND failed; the token is saved"/);
    const notices = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ source: 'kite-autologin', event: 'hook-failed', userId: world.account.userId, step: 'hook' });
    expect(String(notices[0]?.['text'])).toContain('exited with code 7');
    expect(receiver.received[0]?.body).not.toContain('--argument-never-logged');

    const status = await world.run(['status'], env);
    expect(status.code).toBe(0); // the token is valid
    expect(status.stdout).toMatch(/HOOK FAILED: +ON_TOKEN_COMMAND \(.*fail\.sh\) at .* for the token valid until .*: failed: exit code 7/);
    const json = JSON.parse((await world.run(['status', '--json'], env)).stdout) as { hook?: Record<string, unknown> };
    expect(json.hook).toMatchObject({ result: 'failed', exitCode: 7, command: join(world.dir, 'fail.sh') });

    // A failed command never causes a login: the next `login` keeps the token, and does not run it again.
    expect(world.sim.count('api-login')).toBe(1);
    const again = await world.run(['login'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/still valid/);
    expect(again.stdout).not.toContain('ON_TOKEN_COMMAND');
    expect(world.sim.count('api-login')).toBe(1);
    expect(receiver.received).toHaveLength(1);
  } finally {
    await receiver.close();
  }
});

test('a command that hangs is killed at ON_TOKEN_TIMEOUT_SECONDS, with what it started, and the CLI exits promptly', async ({ kite }) => {
  const world = await kite();
  const env = {
    ...await script(world.dir, 'hang.sh', '#!/bin/sh\necho $$ > "$HOME/hang.pids"\nsleep 1000 &\necho $! >> "$HOME/hang.pids"\nwait\n'),
    ON_TOKEN_TIMEOUT_SECONDS: '1',
  };
  const cli = world.spawn(['login'], env);
  await cli.waitForOutput(/running ON_TOKEN_COMMAND/);
  const since = Date.now();
  const result = await cli.result;
  expect(result.code, result.stderr).toBe(0);
  expect(Date.now() - since).toBeLessThan(10_000);
  expect(result.stdout).toMatch(/ON_TOKEN_COMMAND \(.*hang\.sh\): timed out: killed after 1\.\ds; the token is saved/);
  const pids = (await readFile(join(world.dir, 'hang.pids'), 'utf8')).trim().split('\n').map(Number);
  expect(pids).toHaveLength(2);
  const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
  await expect.poll(() => pids.filter(alive), { timeout: 5_000 }).toEqual([]);
  expect((await world.run(['status'], env)).stdout).toMatch(/HOOK FAILED: .*timed out: killed after 1\.\ds/);
});

test('with ACCOUNTS_FILE, once per account\'s new token, each with its own file, user and name', async () => {
  // Three logins, three tokens checked again, a forced login and two `status` runs: slower than most.
  test.slow();
  const f = await family();
  try {
    const env = await script(f.dir, 'hook.sh', RECORDER);
    const result = await f.run(['login'], env);
    expect(result.code, result.stderr).toBe(0);
    const runs = (await runsIn(f.dir)).map((r) => r.env).sort((a, b) => (a['KITE_USER_ID'] ?? '').localeCompare(b['KITE_USER_ID'] ?? ''));
    const users = [...f.users].sort((a, b) => a.userId.localeCompare(b.userId));
    expect(runs.map((e) => [e['KITE_USER_ID'], e['KITE_TOKEN_FILE'], e['KITE_ACCOUNT_NAME']])).toEqual(users.map((u) => [u.userId, f.tokenOf(u.userId), u.userId === f.users[1]?.userId ? 'Mother' : '']));
    expect(runs.every((e) => Object.keys(e).sort().join() === ALLOWED.join())).toBe(true);
    const logged = `${result.stdout}${result.stderr}${(await runsIn(f.dir)).map((r) => r.text).join('')}`;
    for (const secret of secretsOf(f.users)) expect(logged).not.toContain(secret);
    expect(result.stdout).toContain('[Mother] ON_TOKEN_COMMAND');

    const again = await f.run(['login'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(await runsIn(f.dir)).toHaveLength(3);
    expect((await f.run(['status'], env)).stdout).not.toContain('ON_TOKEN_COMMAND');

    // One account's command fails: `status` names that account's failure below the table, and only that one.
    const mother = f.users[1]?.userId ?? '';
    const failing = await script(f.dir, 'fail.sh', '#!/bin/sh\nexit 5\n');
    const forced = await f.run(['login', '--force', '--account', mother], failing);
    expect(forced.code, forced.stderr).toBe(0);
    const status = (await f.run(['status'], failing)).stdout;
    expect(status).toMatch(new RegExp(`^HOOK FAILED: ${mother}: ON_TOKEN_COMMAND \\(.*fail\\.sh\\) at .* for the token valid until .*: failed: exit code 5`, 'm'));
    expect(status.split('\n').filter((l) => l.includes('ON_TOKEN_COMMAND'))).toHaveLength(1);
  } finally {
    await f.close();
  }
});

test('run --once runs it after the morning\'s new token, and not when the morning keeps it', async ({ kite }) => {
  const world = await kite();
  const env = { ...todayIsTradingEnv(), ...await script(world.dir, 'hook.sh', RECORDER) };
  const once = await world.run(['run', '--once'], env);
  expect(once.code, once.stderr).toBe(0);
  expect(once.stdout).toMatch(/Logged in \(attempt 1\)[\s\S]*ON_TOKEN_COMMAND \(.*hook\.sh\): ok/);
  const [run] = await runsIn(world.dir);
  expect(run?.env['KITE_USER_ID']).toBe(world.account.userId);
  const again = await world.run(['run', '--once'], env);
  expect(again.code, again.stderr).toBe(0);
  expect(await runsIn(world.dir)).toHaveLength(1);
});

test('the daemon runs it once after the morning\'s login (not in its attempt process), and a restart does not run it again', async ({ kite }) => {
  const world = await kite();
  const env = { ...todayIsTradingEnv(), ...await script(world.dir, 'hook.sh', RECORDER) };
  const daemon = world.spawn(['run'], env);
  await daemon.waitForOutput(/"msg":"ON_TOKEN_COMMAND done"/);
  const [run, ...more] = await runsIn(world.dir);
  expect(more).toEqual([]);
  const token = JSON.parse(await readFile(world.tokenFile, 'utf8')) as SavedToken;
  expect(run?.env).toMatchObject({ KITE_USER_ID: world.account.userId, KITE_TOKEN_FILE: world.tokenFile, KITE_TOKEN_EXPIRES_AT: token.expires_at });
  daemon.kill('SIGTERM');
  const stopped = await daemon.result;
  expect(stopped.code, stopped.stderr).toBe(0);
  // The daemon's own pid logged the hook (its attempt process logs with an `attempt` field).
  expect(stopped.stderr).toMatch(new RegExp(`"pid":${daemon.pid},[^\\n]*"msg":"running ON_TOKEN_COMMAND for the new token"`));

  const restarted = world.spawn(['run'], env);
  await restarted.waitForOutput(/today's token is valid","msg":"no run"/);
  restarted.kill('SIGTERM');
  expect((await restarted.result).code).toBe(0);
  expect(await runsIn(world.dir)).toHaveLength(1);
});

test('the daemon: a failing command is alerted and recorded, the daemon stays up, and it never logs in again for it', async ({ kite }) => {
  const world = await kite();
  const receiver = await startReceiver();
  try {
    const env = {
      ...todayIsTradingEnv(), ...await script(world.dir, 'fail.sh', '#!/bin/sh\necho "the trading program is not running" >&2\nexit 3\n'),
      WEBHOOK_URL: `${receiver.url}/hook`,
    };
    const daemon = world.spawn(['run'], env);
    await daemon.waitForOutput(/"msg":"ON_TOKEN_COMMAND failed; the token is saved"/);
    await expect.poll(() => receiver.received.length).toBe(1);
    expect(JSON.parse(receiver.received[0]?.body ?? '{}')).toMatchObject({ event: 'hook-failed', userId: world.account.userId, step: 'hook' });
    expect((await world.run(['status'], env)).stdout).toMatch(/HOOK FAILED: +ON_TOKEN_COMMAND \(.*fail\.sh\) at .*: failed: exit code 3/);
    daemon.kill('SIGTERM');
    const stopped = await daemon.result;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(world.sim.count('api-login')).toBe(1);
    expect(receiver.received).toHaveLength(1);
  } finally {
    await receiver.close();
  }
});
