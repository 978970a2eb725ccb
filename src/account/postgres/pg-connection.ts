import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { Client, Pool, type ClientConfig, type QueryResultRow } from 'pg';
import { endsSession, failureCode } from './database-failure.js';
import type { DatabaseUrl, TlsAttempt } from './database-url.js';

/*
 * The one module that imports pg. The rest of src/account/postgres/ talks SQL through `Sql`,
 * a session (a connection of its own) or the pool, and never sees a pg type.
 */

/** Runs one statement and returns its rows. */
export interface Sql {
  query<R extends QueryResultRow = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/** A connection of its own: what holds an account's session-level advisory lock. */
export interface Session extends Sql {
  /** Why it can no longer be used (the server ended it, the network failed, it was closed); undefined while it can. */
  readonly broken: string | undefined;
  /** Closes it, waiting at most END_BOUND_MS; the server drops the session's locks with it. */
  end(): Promise<void>;
}

/** Pooled connections, for what needs no lock: reads, the morning record, imports. */
export interface Pooled extends Sql {
  /** `work` on one connection (a transaction needs all its statements on one). */
  withSql<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

export interface ConnectionSettings {
  /** The server cancels any statement running longer (statement_timeout); the client gives up a little later. */
  statementTimeoutMs: number;
  /** Connecting, TLS and authentication included. */
  connectTimeoutMs: number;
  /** What pg_stat_activity shows, so that an operator (and a waiting host) can tell who holds an account. */
  applicationName: string;
  /** Pooled connections at most. */
  poolSize: number;
}

/** The client's bound on a statement beyond the server's: a silent network never holds a query forever. */
const CLIENT_MARGIN_MS = 5_000;
/** A transaction left open (a stalled client) is ended by the server after this long, releasing its row locks. */
const IDLE_IN_TRANSACTION_MS = 60_000;
/** How long closing a connection may take before its socket is destroyed (a dead network never answers). */
const END_BOUND_MS = 2_000;

/**
 * synchronous_commit on: a COMMIT returns only once its WAL is flushed (and, with a
 * synchronous standby, received there), whatever the role or database default says. The
 * keepalives make the server notice a vanished client (a host powered off, a paused VM) within
 * about a minute, ending its session and so its advisory lock.
 */
const SESSION_OPTIONS = '-c synchronous_commit=on -c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3';

function clientConfig(url: DatabaseUrl, tls: TlsAttempt | false, settings: ConnectionSettings, purpose: string): ClientConfig {
  return {
    host: url.host,
    port: url.port,
    user: url.user,
    database: url.database,
    password: url.password,
    ssl: tls === false ? false : nodeTls(tls),
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + CLIENT_MARGIN_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: `${settings.applicationName} ${purpose}`.slice(0, 63),
    options: SESSION_OPTIONS,
  };
}

function nodeTls(tls: TlsAttempt): ConnectionOptions {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    // verify-ca checks the chain only; verify-full the host name too (Node's own check).
    checkServerIdentity: tls.checkHostname ? checkServerIdentity : () => undefined,
  };
}

/**
 * Opens a session, trying each of the URL's TLS settings in turn as libpq would (sslmode
 * allow and prefer fall back to the other kind of connection only when the server refused
 * this one). Resolves with the session and the TLS setting that worked, for every later
 * connection; rejects with the last failure, as the pg client or Node raised it.
 */
export async function firstSession(url: DatabaseUrl, settings: ConnectionSettings): Promise<{ session: Session; tls: TlsAttempt | false }> {
  const attempts = url.tlsAttempts();
  let failure: unknown;
  for (const [index, tls] of attempts.entries()) {
    try {
      return { session: await openSession(url, tls, settings, 'open'), tls };
    } catch (error) {
      failure = error;
      const code = failureCode(error);
      const refused = tls === false ? code === '28000' : code === 'SERVER_WITHOUT_TLS';
      if (!refused || index === attempts.length - 1) throw error;
    }
  }
  throw failure;
}

/** A new connection of its own; rejects as the pg client or Node raised the failure. */
export async function openSession(url: DatabaseUrl, tls: TlsAttempt | false, settings: ConnectionSettings, purpose: string): Promise<Session> {
  const client = new Client(clientConfig(url, tls, settings, purpose));
  let broken: string | undefined;
  // Listened to before connecting: an 'error' nobody listens to would end the process.
  client.on('error', (error) => { broken ??= `the connection failed (${failureCode(error)})`; });
  client.on('end', () => { broken ??= 'the connection closed'; });
  try {
    await client.connect();
    // idle_session_timeout (PostgreSQL 14+) would end a holder's session while its login waits on Kite.
    await client.query("SELECT set_config('idle_session_timeout', '0', false) WHERE current_setting('server_version_num')::int >= 140000");
  } catch (error) {
    await endClient(client);
    throw error;
  }
  return {
    get broken() {
      return broken;
    },
    async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []) {
      if (broken !== undefined) throw Object.assign(new Error(`the session cannot be used: ${broken}`), { code: 'CONNECTION_CLOSED' });
      try {
        return (await client.query<R>(text, [...values])).rows;
      } catch (error) {
        if (endsSession(error)) {
          broken ??= `a statement failed with the session (${failureCode(error)})`;
          // A statement the client gave up on may still be running; nothing more goes through this session.
          destroySocket(client);
        }
        throw error;
      }
    },
    async end() {
      broken ??= 'the connection closed';
      await endClient(client);
    },
  };
}

/** The pool, with the TLS setting that worked for the first session. */
export function openPool(url: DatabaseUrl, tls: TlsAttempt | false, settings: ConnectionSettings): Pooled {
  const pool = new Pool({ ...clientConfig(url, tls, settings, 'pool'), max: settings.poolSize, idleTimeoutMillis: 30_000, allowExitOnIdle: true });
  // An idle pooled connection that dies is dropped by the pool; the next query opens another.
  pool.on('error', () => undefined);
  return {
    async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []) {
      return (await pool.query<R>(text, [...values])).rows;
    },
    async withSql(work) {
      const client = await pool.connect();
      let ended: Error | undefined;
      const sql: Sql = {
        async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []) {
          try {
            return (await client.query<R>(text, [...values])).rows;
          } catch (error) {
            if (endsSession(error)) ended ??= error instanceof Error ? error : new Error(failureCode(error));
            throw error;
          }
        },
      };
      try {
        return await work(sql);
      } finally {
        // A connection whose session failed is discarded, never handed to the next caller.
        client.release(ended);
      }
    },
    async end() {
      await bounded(pool.end().catch(() => undefined), END_BOUND_MS);
    },
  };
}

async function endClient(client: Client): Promise<void> {
  const ended = await bounded(client.end().then(() => true, () => true), END_BOUND_MS);
  if (ended !== true) destroySocket(client);
}

/** The pg client has no destroy(): its socket is reached for when closing it politely cannot work. */
function destroySocket(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.();
}

/** The promise's value, or undefined once `ms` have passed. */
async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => { resolve(undefined); }, ms); });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
