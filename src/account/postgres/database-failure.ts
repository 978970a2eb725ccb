/**
 * What a failure of the database or the way to it means, in words fit for a message: built
 * from the error's code (PostgreSQL's SQLSTATE, or Node's), never from its message or the URL,
 * which may carry the password or the host's internals.
 */

/** PostgreSQL's SQLSTATE or Node's error code; `error` when it has neither. */
export function failureCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,60}$/i.test(code)) return code;
  const message = error instanceof Error ? error.message : '';
  // The pg client's own failures carry no code: the few it has are told apart by their fixed text.
  if (/timeout/i.test(message)) return 'TIMEOUT';
  if (/terminated|closed|not queryable/i.test(message)) return 'CONNECTION_CLOSED';
  if (/does not support SSL/i.test(message)) return 'SERVER_WITHOUT_TLS';
  return 'error';
}

const TLS_CODES = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|EPROTO)/;

/** Why connecting failed, for a ConfigError about DATABASE_URL (the URL is described beside it). */
export function describeConnectFailure(error: unknown, sslMode: string, connectTimeoutMs: number): string {
  const code = failureCode(error);
  switch (code) {
    case '28P01': return 'the server refused the password for this user (28P01)';
    case '28000': return 'the server does not accept this user from this host, or not over this kind of connection (pg_hba.conf; sslmode) (28000)';
    case '3D000': return 'the database does not exist (3D000)';
    case '42501': return 'the user may not connect to this database (42501)';
    case '53300': return 'the server has no connection slots left (53300)';
    case '57P03': return 'the server is starting up, shutting down or in recovery (57P03)';
    case 'ECONNREFUSED': return 'nothing accepts connections at that host and port (ECONNREFUSED): is the server running?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `the host name does not resolve (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return `the host cannot be reached (${code})`;
    case 'ETIMEDOUT':
    case 'TIMEOUT': return `no answer within ${String(Math.round(connectTimeoutMs / 1000))}s (${code})`;
    case 'ECONNRESET':
    case 'CONNECTION_CLOSED': return `the connection was closed before the server answered (${code}): are the host and port right, and the way to them open?`;
    case 'SERVER_WITHOUT_TLS': return `the server does not offer TLS, which sslmode=${sslMode} requires`;
    default:
      if (TLS_CODES.test(code)) return `TLS failed (${code}): the server's certificate could not be verified as sslmode=${sslMode} asks (a CA the system does not trust can be added with NODE_EXTRA_CA_CERTS)`;
      return `connecting failed (${code})`;
  }
}

/**
 * Did this failure end the session (or show that the way to it is gone)? A statement the
 * server refused (a constraint, a timeout it cancelled) leaves the session, and its
 * advisory lock, as they were; anything else may not have.
 */
export function endsSession(error: unknown): boolean {
  if (!isServerError(error)) return true; // the client or the network failed
  const code = failureCode(error);
  // 08: connection exception; 57 (but 57014, a cancelled statement): the server ended it.
  return code.startsWith('08') || (code.startsWith('57') && code !== '57014') || code === '25P03';
}

/** An error the server sent (the pg client's DatabaseError: it has a severity and an SQLSTATE). */
export function isServerError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { severity, code } = error as { severity?: unknown; code?: unknown };
  return typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
