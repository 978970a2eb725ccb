import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

/**
 * A real PostgreSQL for tests: Debian's `postgresql` package (installed by scripts/setup.sh),
 * its newest version under /usr/lib/postgresql, initdb'd in a temporary folder and listening
 * on 127.0.0.1 on a free port, every login by password (scram-sha-256). No secret is ever on
 * a command line or in an environment: the superuser's password reaches initdb in a file
 * readable by the server's user only (removed once read), the tool's role is created over
 * the connection. initdb refuses root: as root, the folder belongs to `postgres` and initdb and
 * pg_ctl run through runuser. Readiness is pg_ctl's own wait (-w, bounded by -t), never a
 * sleep. Every server started here is stopped by stopAllPostgresServers(), which each test
 * file calls in afterAll.
 */

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The tool's role (not a superuser; owns its databases) and its password. */
  readonly user: string;
  readonly password: string;
  /** A database the role owns, made at start. */
  readonly database: string;
  /** postgres://user:password@127.0.0.1:port/database, the password percent-encoded. */
  url(options?: { database?: string; password?: string; sslmode?: string }): string;
  /** A new, empty database the role owns; its name. */
  createDatabase(): Promise<string>;
  /** Runs one statement as the superuser (in `database`, default `postgres`): pg_terminate_backend, tampering. */
  admin<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: readonly unknown[], database?: string): Promise<R[]>;
  /** pg_ctl stop: `fast` (the default) ends sessions and shuts down cleanly; `immediate` is a crash (recovery at the next start). Idempotent. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /**
   * Turns TLS on (a fresh self-signed certificate for `localhost`, which no system CA trusts)
   * or off, by ALTER SYSTEM and a reload; resolves once a new connection sees the change.
   */
  setTls(on: boolean): Promise<void>;
  /** Starts it again on the same port and folder (after stop). */
  start(): Promise<void>;
  readonly running: boolean;
}

const ROOT = '/usr/lib/postgresql';
const COMMAND_TIMEOUT_MS = 60_000;
/** pg_ctl's own bound on waiting for start and stop (-t, seconds). */
const PG_CTL_WAIT_S = '30';
const SUPERUSER = 'kal_admin';

interface Started { dataDir: string; dir: string }
const running = new Map<string, Started>();
const folders = new Set<string>();

/** The newest installed version's bin folder, or undefined. */
export function postgresBin(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const versions = readdirSync(ROOT).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(ROOT, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
}

const asRoot = (): boolean => process.getuid?.() === 0;

/** Why no server can be started here, or undefined when one can. */
export function postgresMissing(): string | undefined {
  if (postgresBin() === undefined) return `PostgreSQL is not installed (no ${ROOT}/<version>/bin/initdb): install Debian's postgresql package (scripts/setup.sh)`;
  if (asRoot() && (postgresIds() === undefined || !existsSync('/usr/sbin/runuser'))) return 'running as root, but there is no `postgres` user or no runuser to run initdb as';
  return undefined;
}

function postgresIds(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Starts a server; throws (never skips) when PostgreSQL is missing: the caller decides about skipping. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const missing = postgresMissing();
  if (missing !== undefined) throw new Error(`${missing}${process.env['CI'] ? ' (CI: this is a failure, not a skip.)' : ''}`);
  const bin = postgresBin() as string;
  const dir = await mkdtemp(join(tmpdir(), 'kal-pg-'));
  folders.add(dir);
  const ids = asRoot() ? postgresIds() : undefined;
  if (ids) await chown(dir, ids.uid, ids.gid);
  await chmod(dir, 0o700);
  const dataDir = join(dir, 'data');
  const adminPassword = randomBytes(18).toString('hex');
  const passwordFile = join(dir, 'superuser.pw');
  await writeFile(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
  if (ids) await chown(passwordFile, ids.uid, ids.gid);
  try {
    await run(dir, [join(bin, 'initdb'), '-D', dataDir, '-U', SUPERUSER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
  } finally {
    await rm(passwordFile, { force: true });
  }
  // fsync and synchronous_commit stay on (the defaults): the crash tests rely on what a commit promises.
  await appendFile(join(dataDir, 'postgresql.conf'), [
    '', "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`, 'max_connections = 60', 'shared_buffers = 16MB', '',
  ].join('\n'));

  let port = 0;
  for (let tries = 0; ; tries += 1) {
    port = await freePort();
    try {
      await pgCtl(bin, dir, dataDir, ['start', '-o', `-p ${String(port)}`]);
      break;
    } catch (error) {
      // Another process took the port between our look and the server's bind: try another.
      const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
      if (tries >= 4 || !/could not bind|Address already in use/i.test(log)) throw error;
    }
  }
  running.set(dir, { dataDir, dir });

  const user = 'kite';
  const password = randomBytes(18).toString('hex');
  const database = 'kite';
  const admin = async <R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = [], db = 'postgres'): Promise<R[]> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password: adminPassword, database: db, connectionTimeoutMillis: 10_000, query_timeout: 20_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.query<R>(text, [...values])).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin(`CREATE ROLE ${user} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  await admin(`CREATE DATABASE ${database} OWNER ${user}`);
  let up = true;
  let databases = 0;
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    url(options = {}) {
      const query = options.sslmode === undefined ? '?sslmode=disable' : `?sslmode=${options.sslmode}`;
      return `postgres://${user}:${encodeURIComponent(options.password ?? password)}@127.0.0.1:${String(port)}/${options.database ?? database}${query}`;
    },
    async createDatabase() {
      databases += 1;
      const name = `kite_${String(databases)}`;
      await admin(`CREATE DATABASE ${name} OWNER ${user}`);
      return name;
    },
    admin,
    async setTls(on) {
      if (on && !existsSync(join(dataDir, 'server.key'))) {
        await makeCertificate(dir, join(dataDir, 'server.key'), join(dataDir, 'server.crt'));
        // The server refuses a key file anyone but its owner can read.
        for (const file of ['server.key', 'server.crt']) {
          if (ids) await chown(join(dataDir, file), ids.uid, ids.gid);
          await chmod(join(dataDir, file), 0o600);
        }
      }
      await admin(`ALTER SYSTEM SET ssl = ${on ? 'on' : 'off'}`);
      await admin('SELECT pg_reload_conf()');
      const deadline = Date.now() + 10_000;
      while ((await admin<{ ssl: string }>('SHOW ssl'))[0]?.ssl !== (on ? 'on' : 'off')) {
        if (Date.now() > deadline) throw new Error(`the server did not turn TLS ${on ? 'on' : 'off'} within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(mode = 'fast') {
      if (!up) return;
      await pgCtl(bin, dir, dataDir, ['stop', '-m', mode]);
      up = false;
      running.delete(dir);
    },
    async start() {
      if (up) throw new Error('start() needs the server stopped first');
      await pgCtl(bin, dir, dataDir, ['start', '-o', `-p ${String(port)}`]);
      up = true;
      running.set(dir, { dataDir, dir });
    },
    get running() {
      return up;
    },
  };
}

/**
 * Stops every server still running (fast, then immediate if that fails), removes their
 * folders, and says how many were still running; call it in afterAll after stopping your
 * own, and expect 0.
 */
export async function stopAllPostgresServers(): Promise<number> {
  const left = [...running.values()];
  const bin = postgresBin();
  for (const server of left) {
    if (bin === undefined) break;
    await pgCtl(bin, server.dir, server.dataDir, ['stop', '-m', 'fast'])
      .catch(() => pgCtl(bin, server.dir, server.dataDir, ['stop', '-m', 'immediate']))
      .catch(() => undefined);
    running.delete(server.dir);
  }
  await Promise.all([...folders].map((dir) => rm(dir, { recursive: true, force: true })));
  folders.clear();
  return left.length;
}

function pgCtl(bin: string, dir: string, dataDir: string, args: readonly string[]): Promise<void> {
  return run(dir, [join(bin, 'pg_ctl'), '-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', PG_CTL_WAIT_S, ...args]);
}

/** Runs a PostgreSQL program (as `postgres` when we are root), bounded; rejects with its output when it fails. */
function run(cwd: string, command: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS, asPostgres = true): Promise<void> {
  const argv = asRoot() && asPostgres ? ['/usr/sbin/runuser', '-u', 'postgres', '--', ...command] : [...command];
  const [program, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command.map((part) => part.split('/').pop() ?? part).slice(0, 2).join(' ')} failed (${signal ?? String(code)}):\n${output}`));
    });
  });
}

/** A throwaway EC key and self-signed certificate for localhost, made by openssl. */
function makeCertificate(cwd: string, keyFile: string, certFile: string): Promise<void> {
  return run(cwd, ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', keyFile, '-out', certFile, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], COMMAND_TIMEOUT_MS, false);
}

/** A test run that ends without afterAll (a crash, a kill of vitest's worker) still leaves no server behind. */
process.once('exit', () => {
  const bin = postgresBin();
  if (bin === undefined) return;
  for (const server of running.values()) {
    const command = [join(bin, 'pg_ctl'), '-D', server.dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop'];
    const argv = asRoot() ? ['/usr/sbin/runuser', '-u', 'postgres', '--', ...command] : command;
    spawnSync(argv[0] as string, argv.slice(1), { stdio: 'ignore', timeout: 15_000 });
  }
});
