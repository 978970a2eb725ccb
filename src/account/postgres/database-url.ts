import { isIP } from 'node:net';
import type { ConfigProblem } from '../../errors/config-error.js';

/**
 * Where DATABASE_URL came from: the URL text itself, read by the config layer (which reads
 * DATABASE_URL_FILE too); this module parses and checks it.
 */
export interface DatabaseSetting {
  url: string;
  /** The variable to name in a problem with it. Default `DATABASE_URL`. */
  variable?: 'DATABASE_URL' | 'DATABASE_URL_FILE' | undefined;
}

/** libpq's sslmode values, each honoured as libpq does (see `tlsAttempts`). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** TLS for one connection attempt, in the pg client's terms (node:tls options). */
export interface TlsAttempt {
  /** Verify the server's certificate chain against the system's CAs (and NODE_EXTRA_CA_CERTS). */
  rejectUnauthorized: boolean;
  /** Verify that the certificate names the host (verify-full only). */
  checkHostname: boolean;
  /** SNI: a host name, never an IP address (RFC 6066). */
  servername?: string | undefined;
}

/**
 * A parsed DATABASE_URL. The password is kept in a private field: it is not in
 * JSON.stringify, util.inspect or a spread of this object, so logging one leaks nothing.
 */
export class DatabaseUrl {
  readonly #password: string;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly database: string,
    readonly user: string,
    password: string,
    readonly sslMode: SslMode,
    /** From `connect_timeout` (seconds), when the URL sets it. */
    readonly connectTimeoutMs: number | undefined,
  ) {
    this.#password = password;
  }

  get password(): string {
    return this.#password;
  }

  /** `postgres://user@host:port/db`: for messages and logs, never with the password. */
  describe(): string {
    const host = isIP(this.host) === 6 ? `[${this.host}]` : this.host;
    return `postgres://${encodeURIComponent(this.user)}@${host}:${String(this.port)}/${encodeURIComponent(this.database)}`;
  }

  toJSON(): string {
    return this.describe();
  }

  /**
   * The TLS settings to try, in order, as libpq's sslmode means them: `false` is a plain
   * connection. `allow` tries plain first and TLS when the server refuses plain; `prefer` (the
   * default, as with libpq) the other way round; `require` encrypts without verifying (a
   * passive eavesdropper learns nothing, an active one can pose as the server); `verify-ca`
   * also checks the chain; `verify-full` also the host name. The pg client itself does none
   * of the falling back, so the connector does (connect.ts).
   */
  tlsAttempts(): readonly (TlsAttempt | false)[] {
    const servername = isIP(this.host) === 0 ? this.host : undefined;
    const unverified: TlsAttempt = { rejectUnauthorized: false, checkHostname: false, servername };
    switch (this.sslMode) {
      case 'disable': return [false];
      case 'allow': return [false, unverified];
      case 'prefer': return [unverified, false];
      case 'require': return [unverified];
      case 'verify-ca': return [{ rejectUnauthorized: true, checkHostname: false, servername }];
      case 'verify-full': return [{ rejectUnauthorized: true, checkHostname: true, servername }];
    }
  }
}

export type DatabaseUrlResult = { ok: true; url: DatabaseUrl } | { ok: false; problems: ConfigProblem[] };

const SHAPE = 'postgres://user:password@host[:port]/database[?sslmode=verify-full], or postgresql://...; '
  + 'encode special characters in the user and password (@ as %40, / as %2F, : as %3A)';

/** Query parameters understood; any other is refused (ignoring one, e.g. sslrootcert, would quietly change what is checked). */
const KNOWN_PARAMETERS = ['sslmode', 'connect_timeout'];

/**
 * Parses and checks DATABASE_URL. Pure. Returns every problem at once, each naming
 * `setting.variable` and saying what a right value looks like; no problem quotes the URL or
 * any part of it that could be the password.
 */
export function parseDatabaseUrl(setting: DatabaseSetting): DatabaseUrlResult {
  const variable = setting.variable ?? 'DATABASE_URL';
  const problems: ConfigProblem[] = [];
  const problem = (message: string): void => { problems.push({ variable, message: `${message}; it should look like ${SHAPE}` }); };
  let url: URL;
  try {
    // No `cause` kept: Node's URL error carries the input, password and all.
    url = new URL(setting.url.trim());
  } catch {
    problem('is not a URL');
    return { ok: false, problems };
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    problem('must start with postgres:// or postgresql://');
    return { ok: false, problems };
  }
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') problem('names no host');
  else if (host.includes(',')) problem('names several hosts, which is not supported: name one (the primary)');
  else if (host.includes('%')) problem('names a Unix socket or an encoded host, which is not supported: name a host and port');
  const port = url.port === '' ? 5432 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) problem('has a port outside 1-65535');
  let user = '';
  let password = '';
  let database = '';
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
    database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    problem('has a user, password or database that is not valid percent-encoding');
  }
  if (user === '') problem('names no user');
  if (password === '') problem('has no password (the tool logs in with a password: put it in the URL, or the URL in DATABASE_URL_FILE)');
  if (database.includes('/')) problem('has a path that is not one database name');
  if (url.hash !== '') problem('has a #fragment, which means nothing here');
  const sslMode = sslModeOf(url.searchParams.get('sslmode'), problem);
  const connectTimeoutMs = connectTimeoutOf(url.searchParams.get('connect_timeout'), problem);
  for (const name of new Set(url.searchParams.keys())) {
    if (!KNOWN_PARAMETERS.includes(name)) problem(`has the parameter "${safeName(name)}", which is not supported (only ${KNOWN_PARAMETERS.join(' and ')})`);
  }
  if (problems.length > 0) return { ok: false, problems };
  // libpq's default: the database named after the user.
  return { ok: true, url: new DatabaseUrl(host, port, database === '' ? user : database, user, password, sslMode, connectTimeoutMs) };
}

function sslModeOf(value: string | null, problem: (message: string) => void): SslMode {
  if (value === null) return 'prefer';
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  problem(`has an sslmode that is not one of ${SSL_MODES.join(', ')}`);
  return 'prefer';
}

function connectTimeoutOf(value: string | null, problem: (message: string) => void): number | undefined {
  if (value === null) return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1) {
    problem('has a connect_timeout that is not a whole number of seconds from 1 to 9999');
    return undefined;
  }
  return Number(value) * 1000;
}

/** A parameter's name, as a problem may show it: short, and only characters a name is made of. */
function safeName(name: string): string {
  return /^[a-z_]{1,40}$/i.test(name) ? name : '(unrecognised)';
}
