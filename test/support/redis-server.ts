import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/**
 * A real Redis for tests: Debian's redis-server (installed by scripts/setup.sh) on
 * 127.0.0.1, on a free port, nothing persisted. Its configuration (passwords included) is
 * written to its stdin, never its command line or environment. Readiness is its own "Ready
 * to accept connections" line, never a sleep. Every server started here is stopped by
 * stopAllRedisServers(), which each test file calls in afterAll.
 */
export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** `requirepass`: the default user needs this password. */
  requirepass?: string;
  /** ACL users, each a whole `user` rule after the name, e.g. `on >pw ~kite-autologin:* +get`. */
  users?: Record<string, string>;
  /** Turns the passwordless default user off (with `users`). */
  defaultUserOff?: boolean;
  /** Serves TLS only, with a fresh self-signed certificate for `localhost` (see caFile). */
  tls?: boolean;
}

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** With `tls`: the server's self-signed certificate, which is its own CA. */
  readonly caFile: string | undefined;
  /** redis://[user:password@]127.0.0.1:port (rediss://...localhost:port with `tls`), credentials percent-encoded. */
  url(credentials?: { user?: string; password: string }): string;
  /** Stops it: SIGTERM, and SIGKILL if it has not exited within 5 s. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  restart(): Promise<void>;
  readonly running: boolean;
}

const READY = 'Ready to accept connections';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const alive = new Set<ChildProcess>();
const folders = new Set<string>();

/** Starts a server; fails (never skips) when redis-server is not installed, in CI or not. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: the Redis tests need Debian's redis-server. Install it with scripts/setup.sh (apt-get install redis-server).${process.env['CI'] ? ' (CI: this is a failure, not a skip.)' : ''}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'kal-redis-'));
  folders.add(dir);
  if (options.tls === true) await makeCertificate(dir);
  let child: ChildProcess | undefined;
  let port = 0;
  for (let tries = 0; child === undefined; tries += 1) {
    port = await freePort();
    try {
      child = await launch(port, dir, options);
    } catch (error) {
      // Another process took the port between our look and redis-server's bind: try another.
      if (!(error instanceof PortTaken) || tries >= 5) {
        await rm(dir, { recursive: true, force: true });
        folders.delete(dir);
        throw error;
      }
    }
  }
  let current: ChildProcess | undefined = child;
  return {
    host: '127.0.0.1',
    port,
    caFile: options.tls === true ? join(dir, 'cert.pem') : undefined,
    url(credentials) {
      const base = options.tls === true ? `rediss://localhost:${String(port)}` : `redis://127.0.0.1:${String(port)}`;
      if (credentials === undefined) return base;
      const user = credentials.user === undefined ? '' : encodeURIComponent(credentials.user);
      return base.replace('//', `//${user}:${encodeURIComponent(credentials.password)}@`);
    },
    async stop() {
      const running = current;
      current = undefined;
      if (running !== undefined) await terminate(running);
    },
    async restart() {
      if (current !== undefined) throw new Error('restart() needs the server stopped first');
      current = await launch(port, dir, options);
    },
    get running() {
      return current !== undefined;
    },
  };
}

/**
 * Stops every server still running, removes their folders, and says how many were still
 * running; call it in afterAll, after stopping your own, and expect 0.
 */
export async function stopAllRedisServers(): Promise<number> {
  const left = [...alive];
  await Promise.all(left.map(terminate));
  await Promise.all([...folders].map((dir) => rm(dir, { recursive: true, force: true })));
  folders.clear();
  return left.length;
}

/** redis-server processes started here and not yet exited. */
export function runningRedisServers(): number {
  return alive.size;
}

class PortTaken extends Error {}

function configText(port: number, dir: string, options: RedisServerOptions): string {
  const listen = options.tls === true
    ? ['port 0', `tls-port ${String(port)}`, `tls-cert-file ${join(dir, 'cert.pem')}`, `tls-key-file ${join(dir, 'key.pem')}`, 'tls-auth-clients no']
    : [`port ${String(port)}`];
  const lines = [
    ...listen, 'bind 127.0.0.1', 'protected-mode yes', 'save ""', 'appendonly no', `dir ${dir}`, 'loglevel notice',
  ];
  if (options.requirepass !== undefined) lines.push(`requirepass ${options.requirepass}`);
  if (options.defaultUserOff === true) lines.push('user default off');
  for (const [name, rule] of Object.entries(options.users ?? {})) lines.push(`user ${name} ${rule}`);
  return `${lines.join('\n')}\n`;
}

/** Spawns redis-server reading its configuration from stdin; resolves once it is ready. */
function launch(port: number, dir: string, options: RedisServerOptions): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, ['-'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] });
  alive.add(child);
  child.once('exit', () => { alive.delete(child); });
  return new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void terminate(child);
      reject(new Error(`redis-server did not say "${READY}" within ${String(START_TIMEOUT_MS)} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (!output.includes(READY)) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.resume(); // keep draining: a full pipe would block the server
      child.off('exit', onExit);
      resolve(child);
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      if (output.includes('Address already in use')) reject(new PortTaken(`port ${String(port)} is taken`));
      else reject(new Error(`redis-server exited (${String(code)}) before it was ready:\n${output}`));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.once('exit', onExit);
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.stdin.end(configText(port, dir, options));
  });
}

/** A throwaway EC key and self-signed certificate for localhost, made by openssl in `dir`. */
function makeCertificate(dir: string): Promise<void> {
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'];
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code) => { if (code === 0) resolve(); else reject(new Error(`openssl could not make a test certificate:\n${errors}`)); });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve(); }); });
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late'); }, STOP_TIMEOUT_MS); });
  if (await Promise.race([exited.then(() => 'exited' as const), late]) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});
