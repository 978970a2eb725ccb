import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { SimAccount } from '@kite-autologin/simulator';
import { family, secretsOf } from '../support/family.js';
import { expect, test } from '../support/fixtures.js';
import { chromiumBrowsers, chromiumProcesses, markedProcesses, spawnCli, todayIsTradingEnv } from '../support/kite-world.js';
import { startReceiver } from '../support/receiver.js';


test('login logs in every account of ACCOUNTS_FILE, each to its own token file; status --json lists them all', async () => {
  const f = await family();
  try {
    const result = await f.run(['login']);
    expect(result.code, result.stderr).toBe(0);
    for (const user of f.users) {
      const saved = JSON.parse(await readFile(f.tokenOf(user.userId), 'utf8')) as { user_id: string };
      expect(saved.user_id).toBe(user.userId);
      expect((await stat(f.tokenOf(user.userId))).mode & 0o777).toBe(0o600);
    }
    // Each account's lines name it (by its name when it has one).
    expect(result.stdout).toContain(`[${f.users[0]?.userId}] Logged in as ${f.users[0]?.userId}`);
    expect(result.stdout).toContain(`[Mother] Logged in as ${f.users[1]?.userId}`);
    expect(f.sim.count('session-token')).toBe(3);

    const status = await f.run(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as { accounts: { userId: string; valid: boolean; name?: string }[] };
    expect(json.accounts.map((a) => a.userId)).toEqual(f.users.map((u) => u.userId));
    expect(json.accounts.every((a) => a.valid)).toBe(true);
    expect(json.accounts[1]?.name).toBe('Mother');

    const table = await f.run(['status']);
    expect(table.code).toBe(0);
    for (const user of f.users) expect(table.stdout).toContain(user.userId);

    const health = await f.run(['health']);
    expect(health.stdout).toContain(`[${f.users[2]?.userId}] unhealthy`); // no daemon runs
    expect(health.code).toBe(1);

    for (const secret of secretsOf(f.users)) {
      expect(result.stdout + result.stderr + status.stdout + table.stdout).not.toContain(secret);
    }
    await expect.poll(() => chromiumProcesses(f.dir)).toEqual([]);
  } finally {
    await f.close();
  }
});

test('--account picks one account; one that is not listed is a configuration error naming --account', async () => {
  const f = await family();
  try {
    const picked = f.users[2] as SimAccount;
    const one = await f.run(['login', '--account', picked.userId.toLowerCase()]);
    expect(one.code, one.stderr).toBe(0);
    await expect(stat(f.tokenOf(picked.userId))).resolves.toBeTruthy();
    await expect(stat(f.tokenOf(f.users[0]?.userId ?? ''))).rejects.toThrow(/ENOENT/);
    expect(f.sim.count('session-token')).toBe(1);

    const status = await f.run(['status', '--json', '--account', picked.userId]);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { accounts: { userId: string }[] }).accounts.map((a) => a.userId)).toEqual([picked.userId]);

    const unknown = await f.run(['login', '--account', 'ZZ9999']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--account');
  } finally {
    await f.close();
  }
});

test('run --once: a wrong password stops that account (exit 3) while the other two still get their tokens', async () => {
  const f = await family({ wrongPasswordFor: 1 });
  try {
    const result = await f.run(['run', '--once'], todayIsTradingEnv());
    expect(result.code, result.stdout + result.stderr).toBe(3);
    const [a, rejected, c] = f.users as [SimAccount, SimAccount, SimAccount];
    for (const user of [a, c]) expect((JSON.parse(await readFile(f.tokenOf(user.userId), 'utf8')) as { user_id: string }).user_id).toBe(user.userId);
    await expect(stat(f.tokenOf(rejected.userId))).rejects.toThrow(/ENOENT/);
    expect(result.stdout).toMatch(/\[Mother\] kite-autologin: CREDENTIALS_REJECTED/);
    // One password submission for the rejected account: never retried.
    expect(f.sim.requests.filter((r) => r.route === 'api-login' && r.status !== 200).length).toBe(1);

    const status = await f.run(['status', '--json']);
    const { accounts } = JSON.parse(status.stdout) as { accounts: { userId?: string; valid: boolean; stopped: unknown; name?: string }[] };
    expect(accounts.map((x) => x.valid)).toEqual([true, false, true]);
    expect(accounts[1]?.stopped).not.toBeNull();
    expect(status.code).toBe(1);

    const again = await f.run(['run', '--once'], todayIsTradingEnv());
    expect(again.code).toBe(3); // still stopped, and the others' tokens are still valid
    expect(again.stdout).toContain(`[${a.userId}] Today's token is still valid`);

    for (const secret of secretsOf(f.users)) expect(result.stdout + result.stderr + again.stdout + again.stderr).not.toContain(secret);
    await expect.poll(() => chromiumProcesses(f.dir)).toEqual([]);
  } finally {
    await f.close();
  }
});

test('the daemon with several accounts: a slow account does not hold up the others, a rejected one stops alone, health names each', async () => {
  const f = await family({ wrongPasswordFor: 1 });
  // Throughout the morning: how many Chromium browsers, and attempt processes, ran at once at most.
  const most = { browsers: 0, attemptProcesses: 0 };
  const seenTogether: string[] = [];
  const watch = setInterval(() => {
    most.browsers = Math.max(most.browsers, chromiumBrowsers(f.dir).length);
    const workers = markedProcesses(f.dir, /attempt-worker/);
    if (workers.length > 1 && seenTogether.length === 0) seenTogether.push(...workers.map((pid) => { try { return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')} ppid ${readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[3]}`; } catch { return `${pid}: gone`; } }));
    most.attemptProcesses = Math.max(most.attemptProcesses, workers.length);
  }, 50);
  try {
    const [slow, rejected, quick] = f.users as [SimAccount, SimAccount, SimAccount];
    f.sim.faults.users[slow.userId] = { 'api-login': { latencyMs: 6_000 } };
    const env = { ...todayIsTradingEnv(), LOG_LEVEL: 'info', LOGIN_CONCURRENCY: '2' };
    const daemon = spawnCli(['run'], { ...f.env, ...env }, f.dir);
    await expect.poll(async () => {
      const files = await Promise.all([slow, quick].map((u) => stat(f.tokenOf(u.userId)).then(() => true, () => false)));
      return files.every(Boolean);
    }, { timeout: 40_000 }).toBe(true);
    // The quick account's turn came while the slow one was still waiting on Kite.
    expect((await stat(f.tokenOf(quick.userId))).mtimeMs).toBeLessThan((await stat(f.tokenOf(slow.userId))).mtimeMs);
    // ...and both logged in through one attempt process and one Chromium (a context each).
    expect(most, seenTogether.join('\n')).toEqual({ browsers: 1, attemptProcesses: 1 });
    await expect(stat(f.tokenOf(rejected.userId))).rejects.toThrow(/ENOENT/);

    await expect.poll(async () => (await f.run(['health'], env)).stdout, { timeout: 20_000 }).toContain(`[${quick.userId}] healthy`);
    const health = await f.run(['health'], env);
    expect(health.stdout).toContain(`[${slow.userId}] healthy`);
    expect(health.stdout).toContain('[Mother] unhealthy');
    expect(health.code).toBe(1);
    const status = JSON.parse((await f.run(['status', '--json'], env)).stdout) as { accounts: { stopped: unknown; daemon: unknown }[] };
    expect(status.accounts.map((a) => a.stopped !== null)).toEqual([false, true, false]);
    expect(status.accounts.every((a) => a.daemon !== null)).toBe(true);
    // Idle: no browser between mornings.
    await expect.poll(() => chromiumProcesses(f.dir), { timeout: 5_000 }).toEqual([]);
    clearInterval(watch);

    daemon.kill('SIGTERM');
    const stopped = await daemon.result;
    expect(stopped.code).toBe(0);
    // Each account's log lines, the attempts' included, name the account.
    expect(stopped.stderr).toMatch(/"account":"Mother".*"msg":"login attempt failed"|"msg":"login attempt failed".*"account":"Mother"/);
    expect(stopped.stderr).toMatch(new RegExp(`"account":"${quick.userId}"[^\\n]*"step":"save"`));
    for (const secret of secretsOf(f.users)) expect(stopped.stdout + stopped.stderr).not.toContain(secret);
    expect(f.sim.requests.filter((r) => r.route === 'api-login' && r.status !== 200).length).toBe(1);
  } finally {
    clearInterval(watch);
    await f.close();
  }
});

test('run --once: an account waiting to retry holds no login slot, and one shared HEARTBEAT_URL stays failed after a failure that day', async () => {
  const f = await family({ wrongPasswordFor: 1 });
  const heartbeat = await startReceiver();
  try {
    const [retried, rejected, quick] = f.users as [SimAccount, SimAccount, SimAccount];
    f.sim.faults.users[retried.userId] = { 'api-login': { status: 503, message: 'Service unavailable', times: 1 } };
    // One login at a time; the 503's retry waits 15 to 30 s (RETRY_BACKOFF_SECONDS 30, with jitter).
    const env = { ...todayIsTradingEnv(), LOGIN_CONCURRENCY: '1', RETRY_BACKOFF_SECONDS: '30', HEARTBEAT_URL: `${heartbeat.url}/ping/family` };
    const result = await f.run(['run', '--once'], env);
    expect(result.code, result.stdout + result.stderr).toBe(3); // Mother's password
    expect(result.stdout).toContain(`[${retried.userId}] Logged in (attempt 2)`);
    // The others' turns came while the retried account waited for its retry, not after its morning.
    const mtime = async (user: SimAccount): Promise<number> => (await stat(f.tokenOf(user.userId))).mtimeMs;
    expect(await mtime(quick)).toBeLessThan(await mtime(retried));
    await expect(stat(f.tokenOf(rejected.userId))).rejects.toThrow(/ENOENT/);

    // Mother's failure is the last word of the day: no later success ping hides it.
    const pings = heartbeat.received.map((r) => r.path);
    expect(pings).toContain('/ping/family/fail');
    expect(pings.slice(pings.indexOf('/ping/family/fail'))).toEqual(['/ping/family/fail']);
    for (const secret of secretsOf(f.users)) expect(result.stdout + result.stderr).not.toContain(secret);
    await expect.poll(() => chromiumProcesses(f.dir)).toEqual([]);
  } finally {
    await heartbeat.close();
    await f.close();
  }
});
