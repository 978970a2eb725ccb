import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresHome, parseDatabaseUrl, SCHEMA_VERSION, type PostgresHome } from '../../src/account/postgres/index.js';
import { heldLedgerStore } from '../../src/account/postgres/ledger-rows.js';
import { openSession, type Session } from '../../src/account/postgres/pg-connection.js';
import type { Account, HeldRecord } from '../../src/account/record.js';
import { AbortedError, ConfigError, LockedError, LockLostError, StateError } from '../../src/errors/index.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { submissionsOf } from '../../src/ledger/attempt-rules.js';
import { memoryLedgerStore } from '../../src/ledger/ledger-store.js';
import type { SavedToken } from '../../src/token-store.js';
import { postgresMissing, startPostgresServer, stopAllPostgresServers, type PostgresServer } from '../support/postgres-server.js';

const missing = postgresMissing();
// In CI a missing PostgreSQL fails the file; on a workstation its tests are skipped, saying why.
if (missing !== undefined && process.env['CI']) throw new Error(`CI: ${missing}`);
if (missing !== undefined) console.warn(`postgres-home.test.ts: skipping the real-server tests: ${missing}`);

const ACCOUNT: Account = { apiKey: 'kiteapp01', userId: 'ab1234' };
const SECRETS = { password: 'correct horse', totpSecret: 'JBSWY3DPEHPK3PXP' };
const NOW = new Date('2026-11-23T02:30:00Z');
const TOKEN: SavedToken = {
  access_token: 'at-secret-1', public_token: 'pt', api_key: ACCOUNT.apiKey, user_id: 'AB1234', user_name: 'A B', user_shortname: 'AB',
  email: 'ab@example.com', login_time: '2026-11-23T08:05:09+05:30', expires_at: '2026-11-24T06:00:00+05:30', saved_at: '2026-11-23T08:05:10+05:30',
};
const FILES = { tokenFile: '/nonexistent/token.json', stateDir: '/nonexistent' };

/** Polls `probe` until it returns true, every 25 ms, for at most `ms`: no fixed sleep. */
async function until(probe: () => Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!await probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const submit = (ledger: AccountLedger, print: string, check?: Parameters<AccountLedger['recordSubmission']>[1]): Promise<string> =>
  ledger.recordSubmission({ factor: 'password', at: NOW.toISOString(), day: '2026-11-23', print, via: 'test', pid: process.pid }, check);

describe('DATABASE_URL', () => {
  it('parses user, password, host, port, database and sslmode, and never shows the password', () => {
    const parsed = parseDatabaseUrl({ url: 'postgresql://kite:hunter%402@db.example:6543/records?sslmode=verify-full&connect_timeout=7' });
    if (!parsed.ok) throw new Error('expected it to parse');
    const { url } = parsed;
    expect([url.user, url.password, url.host, url.port, url.database, url.sslMode, url.connectTimeoutMs]).toEqual(['kite', 'hunter@2', 'db.example', 6543, 'records', 'verify-full', 7000]);
    expect(url.describe()).toBe('postgres://kite@db.example:6543/records');
    for (const shown of [JSON.stringify(url), inspect(url), JSON.stringify(Object.fromEntries(Object.entries(url)))]) expect(shown).not.toContain('hunter');
  });

  it('honours each sslmode as libpq does, defaulting to prefer, port 5432 and the database named after the user', () => {
    const attempts = (mode: string): unknown => {
      const parsed = parseDatabaseUrl({ url: `postgres://u:p@db.example/?sslmode=${mode}` });
      return parsed.ok ? parsed.url.tlsAttempts() : parsed.problems;
    };
    const unverified = { rejectUnauthorized: false, checkHostname: false, servername: 'db.example' };
    expect(attempts('disable')).toEqual([false]);
    expect(attempts('allow')).toEqual([false, unverified]);
    expect(attempts('prefer')).toEqual([unverified, false]);
    expect(attempts('require')).toEqual([unverified]);
    expect(attempts('verify-ca')).toEqual([{ rejectUnauthorized: true, checkHostname: false, servername: 'db.example' }]);
    expect(attempts('verify-full')).toEqual([{ rejectUnauthorized: true, checkHostname: true, servername: 'db.example' }]);
    const plain = parseDatabaseUrl({ url: 'postgres://u:p@10.0.0.5' });
    expect(plain.ok && [plain.url.sslMode, plain.url.port, plain.url.database, plain.url.tlsAttempts()[0]]).toEqual(['prefer', 5432, 'u', { rejectUnauthorized: false, checkHostname: false, servername: undefined }]);
  });

  it('reports every problem at once, each naming the variable and none quoting the password', () => {
    const parsed = parseDatabaseUrl({ url: 'postgres://:hunter2@db.example/x/y?sslmode=sometimes&sslrootcert=/ca.pem', variable: 'DATABASE_URL_FILE' });
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    expect(problems.map((p) => p.message.split(';')[0])).toEqual([
      'names no user', 'has a path that is not one database name', 'has an sslmode that is not one of disable, allow, prefer, require, verify-ca, verify-full',
      'has the parameter "sslrootcert", which is not supported (only sslmode and connect_timeout)',
    ]);
    expect(new Set(problems.map((p) => p.variable))).toEqual(new Set(['DATABASE_URL_FILE']));
    for (const url of ['mysql://kite:hunter2@db/x', 'postgres://kite@db/x', 'hunter2', 'postgres://:hunter2@db/x', 'postgres://kite:hunter2@db:99999/x', 'postgres://kite:hunter2@a,b/x']) {
      const result = parseDatabaseUrl({ url });
      expect(result.ok).toBe(false);
      if (!result.ok) for (const p of result.problems) expect([p.variable, p.message.includes('hunter2')]).toEqual(['DATABASE_URL', false]);
    }
  });
});

describe.skipIf(missing !== undefined)('the PostgreSQL home, against a real server', () => {
  let server: PostgresServer;
  const homes: PostgresHome[] = [];
  const sessions: Session[] = [];
  const open = async (database: string): Promise<PostgresHome> => {
    const home = await openPostgresHome({ url: server.url({ database }) }, { statementTimeoutMs: 5_000, connectTimeoutMs: 3_000 });
    homes.push(home);
    return home;
  };
  const versions = async (database: string): Promise<number[]> =>
    (await server.admin<{ version: number }>('SELECT version FROM kite_autologin.schema_version ORDER BY version', [], database)).map((r) => r.version);
  const holderPid = async (database: string): Promise<number | undefined> => (await server.admin<{ pid: number }>(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND objid <> 0 AND database = (SELECT oid FROM pg_database WHERE datname = $1)", [database],
  ))[0]?.pid;
  const holdSessions = async (): Promise<number> =>
    (await server.admin<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'kite-autologin % hold %'"))[0]?.n ?? -1;

  beforeAll(async () => { server = await startPostgresServer(); }, 60_000);
  afterAll(async () => {
    await Promise.all([...sessions.map((s) => s.end()), ...homes.map((h) => h.close())]);
    await (server as PostgresServer | undefined)?.stop(); // undefined when it could not start
    expect(await stopAllPostgresServers()).toBe(0);
  }, 60_000);

  it('creates its schema once when two hosts open at once, and again finds it current', async () => {
    const database = await server.createDatabase();
    const [a] = await Promise.all([open(database), open(database)]);
    expect(await versions(database)).toEqual([SCHEMA_VERSION]);
    const tables = await server.admin<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'kite_autologin' ORDER BY 1", [], database);
    expect(tables.map((t) => t.name)).toEqual(['accounts', 'ledger_lines', 'morning', 'schema_version', 'tokens']);
    const comment = await server.admin<{ text: string }>("SELECT obj_description('kite_autologin.tokens'::regclass) AS text", [], database);
    expect(comment[0]?.text).toMatch(/^SECRET/);
    await open(database);
    expect(await versions(database)).toEqual([SCHEMA_VERSION]);
    expect(a.place).toBe(`postgres://kite@127.0.0.1:${String(server.port)}/${database} schema kite_autologin`);
  });

  it('refuses a schema newer than it knows: a ConfigError naming DATABASE_URL, without the password, leaving it as it is', async () => {
    const database = await server.createDatabase();
    await open(database);
    await server.admin('INSERT INTO kite_autologin.schema_version (version, applied_by) VALUES ($1, $2)', [SCHEMA_VERSION + 1, 'kite-autologin 9.0.0'], database);
    const error: unknown = await openPostgresHome({ url: server.url({ database }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable)).toEqual(['DATABASE_URL']);
    expect((error as ConfigError).message).toMatch(/schema kite_autologin is at version \d+, newer than this kite-autologin/);
    expect((error as ConfigError).message).not.toContain(server.password);
    expect(await versions(database)).toEqual([SCHEMA_VERSION, SCHEMA_VERSION + 1]);
  });

  it('checks and appends in one transaction: of two hosts submitting at once, one lands and the other is refused', async () => {
    const database = await server.createDatabase();
    const home = await open(database);
    const { prints } = await home.record(ACCOUNT, FILES).hold((held) => held.openLedger(SECRETS, NOW));
    const [row] = await server.admin<{ id: number }>('SELECT id FROM kite_autologin.accounts', [], database);
    const parsed = parseDatabaseUrl({ url: server.url({ database }) });
    if (!parsed.ok || row === undefined) throw new Error('setup');
    const settings = { statementTimeoutMs: 5_000, connectTimeoutMs: 3_000, applicationName: 'kite-autologin test', poolSize: 1 };
    const [a, b, blocker] = await Promise.all(['a', 'b', 'blocker'].map((name) => openSession(parsed.url, false, settings, name)));
    sessions.push(a as Session, b as Session, blocker as Session);
    const ledgers = await Promise.all([a, b].map((s) => AccountLedger.open(heldLedgerStore(s as Session, row.id, 'test', () => undefined, (job) => job()), ACCOUNT, NOW, { create: false })));
    // Both hosts read the ledger before either submits: only the store's own check can tell them apart.
    const noPending = (records: Parameters<typeof submissionsOf>[0]): void => {
      if (submissionsOf(records, false).some((s) => s.outcome === 'pending')) throw new Error('refused: a submission is in flight');
    };
    // The account's row held elsewhere, so that both transactions are open and waiting at once.
    await blocker?.query('BEGIN');
    await blocker?.query('SELECT id FROM kite_autologin.accounts WHERE id = $1 FOR UPDATE', [row.id]);
    const racing = Promise.allSettled(ledgers.map((ledger) => submit(ledger as AccountLedger, prints.password, noPending)));
    await until(async () => (await server.admin<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name IN ('kite-autologin test a', 'kite-autologin test b')",
    ))[0]?.n === 2, 'both submissions to wait on the account row');
    await blocker?.query('COMMIT');
    const results = await racing;
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')?.reason).toMatchObject({ message: 'refused: a submission is in flight' });
    const stored = await home.record(ACCOUNT, FILES).readLedger(NOW);
    expect(stored?.submissions()).toHaveLength(1);
  });

  it('holds an account for one host at a time, and lets go on every path', async () => {
    const database = await server.createDatabase();
    const [one, two] = [(await open(database)).record(ACCOUNT, FILES), (await open(database)).record(ACCOUNT, FILES)];
    let letGo = (): void => undefined;
    const gate = new Promise<void>((resolve) => { letGo = resolve; });
    let kept: HeldRecord | undefined;
    const first = one.hold(async (held) => {
      kept = held;
      await gate;
      throw new Error('the login failed');
    });
    await until(() => Promise.resolve(kept !== undefined), 'the first hold');
    expect(await two.lockHeld(NOW)).toBe(true);
    const refused: unknown = await two.hold(() => Promise.resolve('never'), { waitMs: 300 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockedError);
    expect((refused as Error).message).toMatch(/kite-autologin \d+@\S+ hold AB1234/);
    const aborting = new AbortController();
    const stopped = two.hold(() => Promise.resolve('never'), { waitMs: 10_000, signal: aborting.signal });
    aborting.abort(new Error('SIGTERM'));
    await expect(stopped).rejects.toBeInstanceOf(AbortedError);
    const second = two.hold(async (held) => {
      await held.confirmHeld();
      return 'second';
    }, { waitMs: 10_000 });
    letGo();
    await expect(first).rejects.toThrow('the login failed');
    await expect(second).resolves.toBe('second');
    expect(() => kept?.assertHeld()).toThrow(LockLostError);
    expect(await one.lockHeld(NOW)).toBe(false);
    await until(async () => await holdSessions() === 0, 'every hold connection to close');
  });

  it('a holder whose session is killed records nothing more: its append fails and confirmHeld throws LockLostError', async () => {
    const database = await server.createDatabase();
    const [one, two] = [(await open(database)).record(ACCOUNT, FILES), (await open(database)).record(ACCOUNT, FILES)];
    await one.hold(async (held) => {
      const { ledger, prints } = await held.openLedger(SECRETS, NOW);
      const pid = await holderPid(database);
      expect(pid).toBeTypeOf('number');
      await server.admin('SELECT pg_terminate_backend($1)', [pid]);
      await expect(submit(ledger, prints.password)).rejects.toBeInstanceOf(StateError);
      await expect(held.confirmHeld()).rejects.toBeInstanceOf(LockLostError);
      expect(() => { held.assertHeld(); }).toThrow(LockLostError);
      await expect(held.saveToken(TOKEN)).rejects.toBeInstanceOf(LockLostError);
    });
    expect((await two.readLedger(NOW))?.submissions()).toEqual([]);
    expect(await two.readToken()).toEqual({ state: 'missing' });
    await expect(two.hold((held) => held.confirmHeld(), { waitMs: 1_000 })).resolves.toBeUndefined();
  });

  it('keeps every committed line through a crash of the server: a rejection still stops the account', async () => {
    const database = await server.createDatabase();
    // A database whose default lets a commit return before its WAL is on disk: the tool's own setting must win.
    await server.admin(`ALTER ROLE ${server.user} IN DATABASE ${database} SET synchronous_commit = off`);
    const parsed = parseDatabaseUrl({ url: server.url({ database }) });
    if (!parsed.ok) throw new Error('setup');
    const probe = await openSession(parsed.url, false, { statementTimeoutMs: 5_000, connectTimeoutMs: 3_000, applicationName: 'kite-autologin test', poolSize: 1 }, 'probe');
    sessions.push(probe);
    expect(await probe.query("SELECT current_setting('synchronous_commit') AS sync")).toEqual([{ sync: 'on' }]);
    const record = (await open(database)).record(ACCOUNT, FILES);
    await record.hold(async (held) => {
      const { ledger, prints } = await held.openLedger(SECRETS, NOW);
      const id = await submit(ledger, prints.password);
      await ledger.recordAnswer(id, NOW, 'rejected', { code: 'CREDENTIALS_REJECTED', status: 403 });
    });
    await server.stop('immediate');
    await server.start();
    const fresh = (await open(database)).record(ACCOUNT, FILES);
    const ledger = await fresh.readLedger(NOW);
    expect(ledger?.judge(await ledger.prints(ACCOUNT, SECRETS), true).stop?.cause).toBe('CREDENTIALS_REJECTED');
    const verdict = await fresh.hold(async (held) => {
      const opened = await held.openLedger(SECRETS, NOW);
      return opened.ledger.judge(opened.prints, true);
    });
    expect(verdict.stop?.cause).toBe('CREDENTIALS_REJECTED');
  }, 30_000);

  it('with the server down or the password wrong, opening and holding fail with a ConfigError naming DATABASE_URL, without the password', async () => {
    const database = await server.createDatabase();
    const record = (await open(database)).record(ACCOUNT, FILES);
    const wrong = await openPostgresHome({ url: server.url({ database, password: 'not-the-password' }) }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ConfigError);
    expect((wrong as ConfigError).message).toContain('refused the password');
    expect((wrong as ConfigError).message).not.toContain('not-the-password');
    await server.stop();
    try {
      const started = Date.now();
      const down: unknown = await openPostgresHome({ url: server.url({ database }) }, { connectTimeoutMs: 3_000 }).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(ConfigError);
      expect((down as ConfigError).problems.map((p) => p.variable)).toEqual(['DATABASE_URL']);
      expect((down as ConfigError).message).toContain(`postgres://kite@127.0.0.1:${String(server.port)}/${database}: cannot be used: nothing accepts connections`);
      expect((down as ConfigError).message).not.toContain(server.password);
      expect(Date.now() - started).toBeLessThan(5_000); // bounded: refused at once, or given up on after connectTimeoutMs
      let ran = false;
      const held: unknown = await record.hold(() => { ran = true; return Promise.resolve(); }).catch((e: unknown) => e);
      expect([held instanceof ConfigError, ran, (held as Error).message.includes(server.password)]).toEqual([true, false, false]);
    } finally {
      await server.start();
    }
  }, 30_000);

  it('honours sslmode: prefer uses TLS when offered and falls back when not, require and verify-* refuse what they must', async () => {
    const database = await server.createDatabase();
    const tlsOf = async (home: PostgresHome): Promise<boolean | undefined> => {
      await home.record(ACCOUNT, FILES).lockHeld(NOW); // a pooled connection, open
      return (await server.admin<{ ssl: boolean }>(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1 AND a.application_name LIKE 'kite-autologin % pool'", [database],
      ))[0]?.ssl;
    };
    const refusal = async (sslmode: string): Promise<string> => {
      const error: unknown = await openPostgresHome({ url: server.url({ database, sslmode }) }, { connectTimeoutMs: 3_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).not.toContain(server.password);
      return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`).join('\n');
    };
    const plain = await openPostgresHome({ url: server.url({ database, sslmode: 'prefer' }) });
    homes.push(plain);
    expect(await tlsOf(plain)).toBe(false);
    expect(await refusal('require')).toContain('DATABASE_URL: postgres://kite@127.0.0.1:');
    expect(await refusal('require')).toContain('the server does not offer TLS, which sslmode=require requires');
    await plain.close();
    await server.setTls(true);
    try {
      const encrypted = await openPostgresHome({ url: server.url({ database, sslmode: 'prefer' }) });
      homes.push(encrypted);
      expect(await tlsOf(encrypted)).toBe(true);
      // Its certificate is its own, which no CA here vouches for.
      expect(await refusal('verify-ca')).toMatch(/TLS failed \((?:DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
      expect(await refusal('verify-full')).toMatch(/TLS failed \(/);
      await encrypted.close();
    } finally {
      await server.setTls(false);
    }
  });

  it('keeps the token: saved through the hold, read by another host as written, replaced by the next', async () => {
    const database = await server.createDatabase();
    const [one, two] = [(await open(database)).record(ACCOUNT, FILES), (await open(database)).record(ACCOUNT, FILES)];
    expect(await two.readToken()).toEqual({ state: 'missing' });
    await one.hold((held) => held.saveToken(TOKEN));
    const read = await two.readToken();
    expect(read).toEqual({ state: 'ok', token: TOKEN });
    expect(read.state === 'ok' && Object.keys(read.token)).toEqual(Object.keys(TOKEN));
    const next = { ...TOKEN, access_token: 'at-secret-2' };
    await two.hold((held) => held.saveToken(next));
    expect(await one.readToken()).toEqual({ state: 'ok', token: next });
    await server.admin("UPDATE kite_autologin.tokens SET token = '{\"api_key\": \"x\"}'", [], database);
    expect(await one.readToken()).toEqual({ state: 'unreadable', reason: 'missing access_token, user_id, login_time, expires_at' });
  });

  it('serializes the morning record\'s updates across hosts, and calls a damaged row a StateError', async () => {
    const database = await server.createDatabase();
    const [one, two] = [(await open(database)).record(ACCOUNT, FILES).morning, (await open(database)).record(ACCOUNT, FILES).morning];
    expect(await one.read()).toEqual({});
    await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? one : two).update((state) => {
      state.nextRuns = [...(state.nextRuns ?? []), String(i)];
    })));
    expect((await two.read()).nextRuns?.map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    await expect(one.update(() => { throw new Error('the change failed'); })).rejects.toThrow('the change failed');
    expect((await one.read()).nextRuns).toHaveLength(24);
    await server.admin("UPDATE kite_autologin.morning SET state = '[1, 2]'", [], database);
    await expect(one.read()).rejects.toBeInstanceOf(StateError);
    await expect(two.update(() => undefined)).rejects.toBeInstanceOf(StateError);
  });

  it('reads without creating anything, and imports a file ledger once', async () => {
    const database = await server.createDatabase();
    const home = await open(database);
    const record = home.record(ACCOUNT, FILES);
    expect([await record.readLedger(NOW), await record.lockHeld(NOW)]).toEqual([undefined, false]);
    expect(await server.admin('SELECT id FROM kite_autologin.accounts', [], database)).toEqual([]);
    const file = memoryLedgerStore('file');
    const kept = await AccountLedger.open(file, ACCOUNT, NOW, { create: true }) as AccountLedger;
    const id = await submit(kept, (await kept.prints(ACCOUNT, SECRETS)).password);
    await kept.recordAnswer(id, NOW, 'rejected', { code: 'CREDENTIALS_REJECTED' });
    const text = file.text ?? '';
    await expect(home.importLedger({ apiKey: 'another', userId: 'ZZ9999' }, text, NOW)).rejects.toBeInstanceOf(StateError);
    expect(await home.importLedger(ACCOUNT, text, NOW)).toMatchObject({ imported: true, lines: 3 });
    const ledger = await record.readLedger(NOW);
    expect(ledger?.judge(await ledger.prints(ACCOUNT, SECRETS), true).stop?.cause).toBe('CREDENTIALS_REJECTED');
    expect(await home.importLedger(ACCOUNT, text, NOW)).toMatchObject({ imported: false, reason: 'exists' });
    expect((await record.readLedger(NOW))?.records).toHaveLength(3);
  });
});
