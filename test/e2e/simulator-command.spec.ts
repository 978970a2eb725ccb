import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { chromiumProcesses, killLeftovers, spawnCli, TEST_MARK } from '../support/kite-world.js';

/**
 * `kite-autologin simulator`, as a newcomer uses it: start it, source the file it wrote in
 * another shell, and log in every simulated account through the real CLI. No secret is
 * printed; every file it writes is its owner's only.
 */

function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((line) => line.includes('=')).map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)];
  }));
}

test('simulator --accounts 2: the files it writes are private, and the CLI pointed at it logs both accounts in', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kal-simcmd-'));
  const base = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, [TEST_MARK]: dir,
    ...(process.env['CHROMIUM_PATH'] ? { CHROMIUM_PATH: process.env['CHROMIUM_PATH'] } : {}),
  };
  const folder = join(dir, 'sim');
  const server = spawnCli(['simulator', '--accounts', '2', '--dir', folder], base, dir);
  try {
    await Promise.race([server.waitForOutput(/Ready\. Ctrl-C stops the simulator\./), server.result.then((r) => { throw new Error(`simulator ended: ${r.stderr}`); })]);
    const variables = parseEnvFile(await readFile(join(folder, 'simulator.env'), 'utf8'));
    expect(Object.keys(variables).sort()).toEqual(['ACCOUNTS_FILE', 'KITE_API_ROOT', 'KITE_LOGIN_URL', 'TOKEN_FILE']);
    expect(variables['KITE_LOGIN_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    // Private: the folders 0700, every file 0600.
    for (const path of [folder, join(folder, 'secrets')]) expect((await stat(path)).mode & 0o777).toBe(0o700);
    const secretFiles = (await readdir(join(folder, 'secrets'))).map((name) => join(folder, 'secrets', name));
    expect(secretFiles).toHaveLength(5); // the app's api_secret, and a password and a TOTP secret per account
    for (const path of [...secretFiles, join(folder, 'simulator.env'), join(folder, 'accounts.yaml')]) expect((await stat(path)).mode & 0o777).toBe(0o600);

    const login = await spawnCli(['login'], { ...base, ...variables, STEP_TIMEOUT_SECONDS: '15' }, dir).result;
    expect(login.code, login.stderr).toBe(0);
    for (const user of ['ZZ0001', 'ZZ0002']) {
      const token = JSON.parse(await readFile(join(folder, 'data', `${user}.json`), 'utf8')) as { user_id: string };
      expect(token.user_id).toBe(user);
    }

    server.kill('SIGTERM');
    const ended = await server.result;
    expect(ended.code).toBe(0);
    // No secret on its output, nor on the login's.
    const secrets = await Promise.all(secretFiles.map(async (path) => (await readFile(path, 'utf8')).trim()));
    for (const secret of secrets) expect(ended.stdout + ended.stderr + login.stdout + login.stderr).not.toContain(secret);
    await expect.poll(() => chromiumProcesses(dir)).toEqual([]);
  } finally {
    killLeftovers(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

test('simulator: a wrong option names it; a taken port says so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kal-simcmd-'));
  const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, [TEST_MARK]: dir };
  const first = spawnCli(['simulator', '--dir', join(dir, 'one')], base, dir);
  try {
    const bad = await spawnCli(['simulator', '--accounts', '0'], base, dir).result;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--accounts must be a whole number from 1 to 100');
    await first.waitForOutput(/Ready\./);
    const port = /Kite simulator at http:\/\/127\.0\.0\.1:(\d+)/.exec((await readFile(join(dir, 'one', 'simulator.env'), 'utf8')).replace(/[\s\S]*KITE_LOGIN_URL=/, 'Kite simulator at '))?.[1];
    expect(port).toBeDefined();
    const taken = await spawnCli(['simulator', '--port', port as string, '--dir', join(dir, 'two')], base, dir).result;
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('the port is taken');
    first.kill('SIGTERM');
    expect((await first.result).code).toBe(0);
  } finally {
    killLeftovers(dir);
    await rm(dir, { recursive: true, force: true });
  }
});
