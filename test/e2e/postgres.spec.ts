import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { todayIsTradingEnv } from '../support/kite-world.js';
import { postgresMissing, startPostgresServer, stopAllPostgresServers, type PostgresServer } from '../support/postgres-server.js';

/*
 * Issue 17: the PostgreSQL home, with the real CLI and a real PostgreSQL (Debian's package,
 * started in a temporary folder on a loopback port and stopped after). Hosts that share an
 * account share its record: one ledger, one lock, one morning's token.
 */
test.describe('hosts that share accounts through PostgreSQL', () => {
  test.describe.configure({ mode: 'serial' });
  let server: PostgresServer;

  test.beforeAll(async () => {
    const missing = postgresMissing();
    // Under CI a test that cannot run fails; here, without PostgreSQL, it says why.
    if (missing && !process.env['CI']) test.skip(true, missing);
    if (missing) throw new Error(`PostgreSQL is needed: ${missing} (npm run setup installs it)`);
    server = await startPostgresServer();
  });
  test.afterAll(async () => {
    await server.stop();
    expect(await stopAllPostgresServers()).toBe(0);
  });

  const hostEnv = (dir: string, host: string, database: string): Record<string, string> => ({
    TOKEN_FILE: join(dir, host, 'kite-token.json'), DATABASE_URL: server.url({ database, sslmode: 'disable' }),
  });

  test('two daemons on two hosts, one database: one password for the account, both hosts end with the token file', async ({ kite }) => {
    const world = await kite();
    const database = await server.createDatabase();
    const env = { ...todayIsTradingEnv(), LOG_LEVEL: 'info' };
    const a = world.spawn(['run'], { ...env, ...hostEnv(world.dir, 'host-a', database) });
    const b = world.spawn(['run'], { ...env, ...hostEnv(world.dir, 'host-b', database) });
    try {
      await Promise.all([a, b].map((daemon) => daemon.waitForOutput(/"msg":"morning done: a valid token is saved"/)));
      expect(world.sim.count('api-login')).toBe(1);
      expect(world.sim.count('session-token')).toBe(1);
      const tokens = await Promise.all(['host-a', 'host-b'].map(async (host) => (JSON.parse(await readFile(join(world.dir, host, 'kite-token.json'), 'utf8')) as { access_token: string }).access_token));
      expect(tokens[0]).toBeTruthy();
      expect(tokens[1]).toBe(tokens[0]);
      // Kept in the record: the token table holds the one session Kite made.
      const [row] = await server.admin<{ token: { access_token: string } }>('SELECT token FROM kite_autologin.tokens', [], database);
      expect(row?.token.access_token).toBe(tokens[0]);
    } finally {
      a.kill('SIGTERM');
      b.kill('SIGTERM');
      const results = await Promise.all([a.result, b.result]);
      for (const result of results) {
        expect(result.code).toBe(0);
        expect(result.stdout + result.stderr).not.toContain(server.password);
        expect(result.stdout + result.stderr).not.toContain(world.account.password);
      }
    }
  });

  test('a rejection survives a crash of the database, and a new host with a fresh STATE_DIR is stopped too', async ({ kite }) => {
    const world = await kite();
    const database = await server.createDatabase();
    const wrong = { KITE_PASSWORD: 'wrong-password-for-pg', ...hostEnv(world.dir, 'host-a', database) };
    const first = await world.run(['login'], wrong);
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).toContain('CREDENTIALS_REJECTED');
    await server.stop('immediate');
    await server.start();
    const again = await world.run(['login'], wrong);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stderr).toContain('HALTED');
    const fresh = await world.run(['login'], { ...wrong, ...hostEnv(world.dir, 'host-new', database) });
    expect(fresh.code, fresh.stderr).toBe(3);
    expect(fresh.stderr).toContain('HALTED');
    expect(world.sim.count('api-login')).toBe(1);
    const status = JSON.parse((await world.run(['status', '--json'], hostEnv(world.dir, 'host-new', database))).stdout) as { stopped: unknown; ledger: string };
    expect(status.stopped).not.toBeNull();
    expect(status.ledger).not.toContain(server.password);
  });

  test('the database down: exit 2 naming DATABASE_URL (never its password), nothing sent to Kite', async ({ kite }) => {
    const world = await kite();
    const database = await server.createDatabase();
    const env = hostEnv(world.dir, 'host-a', database);
    await server.stop('fast');
    try {
      for (const args of [['login'], ['run', '--once'], ['status']]) {
        const { code, stdout, stderr } = await world.run(args, { ...todayIsTradingEnv(), ...env });
        expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
        expect(stderr).toContain('DATABASE_URL');
        expect(stdout + stderr).not.toContain(server.password);
      }
      expect(world.sim.requests).toHaveLength(0);
    } finally {
      await server.start();
    }
  });

  test('the lock holder\'s session killed mid-login: that host sends nothing more', async ({ kite }) => {
    const world = await kite();
    const database = await server.createDatabase();
    // The login page is slow: the login holds the account while it waits.
    world.sim.faults.routes['app-script'] = { latencyMs: 4_000, times: 1 };
    const login = world.spawn(['login'], { ...hostEnv(world.dir, 'host-a', database), LOG_LEVEL: 'info' });
    await world.sim.waitForRequest('app-script', 1);
    const holders = await server.admin<{ pid: number }>(
      "SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted", [], database);
    expect(holders).toHaveLength(1);
    await server.admin('SELECT pg_terminate_backend($1)', [holders[0]?.pid], database);
    const result = await login.result;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/LOCK_LOST/);
    expect(world.sim.count('api-login')).toBe(0);
    expect(world.sim.count('api-twofa')).toBe(0);
  });

  test('a STATE_DIR that has known the database refuses to run without DATABASE_URL; migrate carries a file ledger\'s stop in', async ({ kite }) => {
    const world = await kite();
    const database = await server.createDatabase();
    // Host B kept files until now: its ledger holds a rejected password.
    const hostB = { TOKEN_FILE: join(world.dir, 'host-b', 'kite-token.json') };
    const rejected = await world.run(['login'], { ...hostB, KITE_PASSWORD: 'wrong-before-migrating' });
    expect(rejected.code).toBe(3);
    const migrated = await world.run(['migrate'], { ...hostB, DATABASE_URL: server.url({ database, sslmode: 'disable' }) });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/Moved \d+ records of .* into .*kite_autologin/);
    const aside = (await stat(join(world.dir, 'host-b', `kite-autologin-${world.account.userId}-${world.app.apiKey}.ledger.jsonl.moved-to-database`))).isFile();
    expect(aside).toBe(true);
    // The database now stops the account, for any host.
    const fromA = await world.run(['login'], { ...hostEnv(world.dir, 'host-a', database), KITE_PASSWORD: 'wrong-before-migrating' });
    expect(fromA.code).toBe(3);
    expect(fromA.stderr).toContain('HALTED');
    // Host B without DATABASE_URL: refused, naming it; no fresh file ledger that forgot the stop.
    const withoutDb = await world.run(['login'], hostB);
    expect(withoutDb.code).toBe(2);
    expect(withoutDb.stderr).toMatch(/DATABASE_URL.*is not set, but the records of this STATE_DIR/);
    expect(world.sim.count('api-login')).toBe(1);
  });

  test('DATABASE_URL_FILE: the URL from a file, and a URL that is not PostgreSQL\'s is named without its value', async ({ kite }) => {
    const world = await kite();
    const database = await server.createDatabase();
    const file = join(world.dir, 'secrets', 'database_url');
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${server.url({ database, sslmode: 'disable' })}\n`, { mode: 0o600 });
    const ok = await world.run(['login', '--dry-run'], { TOKEN_FILE: join(world.dir, 'host-a', 'kite-token.json'), DATABASE_URL_FILE: file });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await world.run(['status'], { DATABASE_URL: 'mysql://root:hunter2-db@localhost/kite' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/DATABASE_URL: must be a PostgreSQL URL/);
    expect(bad.stderr).not.toContain('hunter2-db');
  });
});
