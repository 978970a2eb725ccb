import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../../errors/config-error.js';
import type { Logger } from '../../logger.js';
import { sleep as realSleep } from '../../time/sleep.js';
import { VERSION } from '../../version.js';
import type { Account, RecordHome } from '../record.js';
import type { HoldContext } from './account-hold.js';
import { describeConnectFailure, endsSession, failureCode } from './database-failure.js';
import { parseDatabaseUrl, type DatabaseSetting, type DatabaseUrl } from './database-url.js';
import { importLedger, type ImportOutcome } from './import-ledger.js';
import { firstSession, openPool, openSession, type ConnectionSettings } from './pg-connection.js';
import { postgresRecord } from './postgres-record.js';
import { legacyStatePath } from '../legacy-halt.js';
import { migrateSchema, SCHEMA, SCHEMA_VERSION } from './schema.js';

export interface PostgresHomeOptions {
  /** The server cancels a statement running longer (statement_timeout); the client gives up 5 s later. Default 10 s. */
  statementTimeoutMs?: number | undefined;
  /** Connecting, TLS and authentication. Default: the URL's connect_timeout, else 10 s. */
  connectTimeoutMs?: number | undefined;
  /** Pooled connections at most (reads, the morning record); each hold has a connection of its own besides. Default 4. */
  poolSize?: number | undefined;
  /** What pg_stat_activity shows before each connection's purpose. Default `kite-autologin <pid>@<hostname>`. */
  applicationName?: string | undefined;
  /** Waits between tries for an account another host holds. Default: a timer an AbortSignal cuts short. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Says when the schema was created or migrated, and which TLS setting connected. Default: silent. */
  logger?: Logger | undefined;
  /** For the hold's wait. Default performance.now. */
  monotonic?: (() => number) | undefined;
}

/** The PostgreSQL home, with what `kite-autologin migrate` needs besides. */
export interface PostgresHome extends RecordHome {
  readonly kind: 'postgres';
  /** The database and schema, for messages: `postgres://user@host:port/db schema kite_autologin`. */
  readonly place: string;
  /**
   * Carries a file ledger's whole text in as the account's ledger, unless the database holds
   * one already (`exists`: nothing written). A text that is not a sound ledger of this account
   * is a StateError, and nothing is written.
   */
  importLedger(account: Account, text: string, now?: Date): Promise<ImportOutcome>;
}

/**
 * Connects to DATABASE_URL, creates or migrates the tool's schema, and returns the home.
 * Everything that can go wrong here happens before a login, and is a ConfigError naming the
 * variable (DATABASE_URL, or DATABASE_URL_FILE when the setting says so), never quoting the
 * password: a URL that does not parse, a server that cannot be reached, refuses the user or
 * its password, fails TLS, or keeps a schema newer than this build.
 */
export async function openPostgresHome(setting: DatabaseSetting, options: PostgresHomeOptions = {}): Promise<PostgresHome> {
  const parsed = parseDatabaseUrl(setting);
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  const { url } = parsed;
  const variable = setting.variable ?? 'DATABASE_URL';
  const settings: ConnectionSettings = {
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? url.connectTimeoutMs ?? 10_000,
    applicationName: options.applicationName ?? `kite-autologin ${String(process.pid)}@${hostname()}`,
    poolSize: options.poolSize ?? 4,
  };
  const problem = (message: string): ConfigError => new ConfigError([{ variable, message: `${url.describe()}: ${message}` }]);
  const unreachable = (error: unknown): ConfigError => problem(`cannot be used: ${describeConnectFailure(error, url.sslMode, settings.connectTimeoutMs)}`);

  let first: Awaited<ReturnType<typeof firstSession>>;
  try {
    first = await firstSession(url, settings);
  } catch (error) {
    throw unreachable(error);
  }
  if (first.tls === false && url.sslMode === 'prefer') {
    options.logger?.warn({ database: url.describe(), sslmode: url.sslMode }, 'connected without TLS: the server does not offer it');
  }
  try {
    const outcome = await migrateSchema(first.session).catch((error: unknown) => {
      throw endsSession(error) ? unreachable(error) : problem(schemaFailure(error));
    });
    if (outcome.state === 'migrated') {
      options.logger?.info({ database: url.describe(), schema: SCHEMA, from: outcome.from, to: outcome.to }, outcome.from === 0 ? 'created the schema' : 'migrated the schema');
    }
    if (outcome.state === 'newer') {
      throw problem(`the schema ${SCHEMA} is at version ${String(outcome.version)}, newer than this kite-autologin (${VERSION}) knows `
        + `(${String(SCHEMA_VERSION)}): another host runs a newer kite-autologin. Upgrade this one; the database was left as it is.`);
    }
  } finally {
    await first.session.end();
  }
  return home(url, first.tls, settings, unreachable, options);
}

function home(url: DatabaseUrl, tls: Awaited<ReturnType<typeof firstSession>>['tls'], settings: ConnectionSettings, unreachable: (error: unknown) => ConfigError, options: PostgresHomeOptions): PostgresHome {
  const pool = openPool(url, tls, settings);
  const place = `${url.describe()} schema ${SCHEMA}`;
  let closing: Promise<void> | undefined;
  const context: HoldContext = {
    pool,
    async openSession(purpose) {
      try {
        return await openSession(url, tls, settings, purpose);
      } catch (error) {
        throw unreachable(error);
      }
    },
    unreachable,
    sleep: options.sleep ?? realSleep,
    monotonic: options.monotonic ?? (() => performance.now()),
  };
  return {
    kind: 'postgres',
    place,
    // The token file and STATE_DIR are the caller's: the database keeps the whole record.
    record: (account, files) => postgresRecord(context, account, place, legacyStatePath(files.tokenFile)),
    importLedger: (account, text, now) => importLedger(pool, place, account, text, now),
    close: () => (closing ??= pool.end()),
  };
}

/** Why creating or migrating the schema failed, without quoting the server's words. */
function schemaFailure(error: unknown): string {
  const code = failureCode(error);
  if (code === '42501') {
    return `the user may not create the schema ${SCHEMA} or its tables (42501): let it own the database, `
      + `or GRANT CREATE ON DATABASE to it, or have a user that may run kite-autologin once first`;
  }
  if (code === '25006') return 'the server is read-only (a standby?): DATABASE_URL must name the primary (25006)';
  if (code === '57014') return `creating or migrating the schema ${SCHEMA} outlasted statement_timeout (57014): is another session holding its tables?`;
  return `the schema ${SCHEMA} could not be created or migrated (${code})`;
}
