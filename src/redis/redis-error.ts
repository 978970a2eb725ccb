import { AutologinError, ExitCode } from '../errors/autologin-error.js';

/** Why a Redis command failed, as far as it is safe to say. */
export type RedisFailure =
  /** No connection: refused, unresolvable host, reset, closed, or the reconnect gave up. */
  | 'unreachable'
  /** The TLS handshake failed (certificate, host name, protocol). */
  | 'tls'
  /** The user name or password was refused. */
  | 'auth'
  /** The ACL user may not run this command or touch this key or channel. */
  | 'permission'
  /** No answer within the command timeout. */
  | 'timeout'
  /** Redis answered with another error (WRONGTYPE, READONLY, OOM, LOADING, ...). */
  | 'refused';

/**
 * Redis could not be used: the state it keeps (token, ledger, lock) is unknown, which is
 * never the same as "absent". The message says what kind of failure it was and the error
 * code Redis or Node gave, never the URL, the password or Redis's own wording (a Redis
 * error may echo a command's arguments). No `cause` is kept, for the same reason.
 */
export class RedisUnavailableError extends AutologinError {
  override readonly name = 'RedisUnavailableError';
  readonly code = 'REDIS_UNAVAILABLE';
  readonly exitCode = ExitCode.FAILURE;
  readonly retryable: boolean;
  readonly failure: RedisFailure;
  /** The error code Node or Redis gave (ECONNREFUSED, WRONGPASS, NOPERM, ...), when known. */
  readonly detail: string | undefined;

  constructor(failure: RedisFailure, message: string, detail?: string) {
    super(message);
    this.failure = failure;
    this.detail = detail;
    // A wrong password or a missing permission stays wrong until someone changes it.
    this.retryable = failure !== 'auth' && failure !== 'permission';
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), failure: this.failure, detail: this.detail };
  }
}

const AUTH_CODES = new Set(['WRONGPASS', 'NOAUTH']);
const CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

/**
 * Reduces whatever ioredis or Node threw to a RedisUnavailableError. Only the error's
 * `code`, or the first word of a Redis reply when it is an upper-case code, is kept.
 * `command` is the command's name (GET, EVAL), never its arguments. `lastConnectionError`
 * is the last failure of the connection itself: ioredis rejects queued commands with a
 * bare "max retries" or "connection closed" error that hides it.
 */
export function toRedisError(error: unknown, command?: string, lastConnectionError?: unknown): RedisUnavailableError {
  if (error instanceof RedisUnavailableError) return error;
  const running = command === undefined ? '' : ` (running ${command.toUpperCase()})`;
  const record = typeof error === 'object' && error !== null ? error as { code?: unknown; name?: unknown; message?: unknown } : {};
  const name = typeof record.name === 'string' ? record.name : '';
  const message = typeof record.message === 'string' ? record.message : '';
  const nodeCode = typeof record.code === 'string' && CODE.test(record.code) ? record.code : undefined;
  const replyCode = name === 'ReplyError' ? firstWord(message) : undefined;

  if (replyCode === 'NOAUTH' && lastConnectionError !== undefined && lastConnectionError !== error) {
    // A command sent before the AUTH was answered: the AUTH's own answer says more (WRONGPASS).
    const earlier = toRedisError(lastConnectionError, command);
    if (earlier.failure === 'auth') return earlier;
  }
  if (replyCode !== undefined && AUTH_CODES.has(replyCode)) {
    return new RedisUnavailableError('auth', `Redis refused the user name or password${running} (${replyCode}): check the user and password in REDIS_URL or REDIS_URL_FILE.`, replyCode);
  }
  if (replyCode === 'NOPERM') {
    return new RedisUnavailableError('permission', `Redis refused a command to this user${running} (NOPERM): its ACL must allow kite-autologin's commands on the kite-autologin:* keys and channel.`, replyCode);
  }
  if (name === 'ReplyError') {
    const detail = replyCode ?? 'ERR';
    return new RedisUnavailableError('refused', `Redis answered with an error${running} (${detail}).`, detail);
  }
  if (message.startsWith('Command timed out')) {
    return new RedisUnavailableError('timeout', `Redis did not answer in time${running}.`, 'TIMEOUT');
  }
  if (nodeCode === undefined && lastConnectionError !== undefined && lastConnectionError !== error) {
    return toRedisError(lastConnectionError, command);
  }
  if (nodeCode !== undefined && isTlsCode(nodeCode)) {
    return new RedisUnavailableError('tls', `The TLS connection to Redis failed${running} (${nodeCode}): check the server's certificate and the host name in REDIS_URL (a private CA goes in NODE_EXTRA_CA_CERTS).`, nodeCode);
  }
  const detail = nodeCode === undefined ? '' : ` (${nodeCode})`;
  return new RedisUnavailableError('unreachable', `Redis cannot be reached${running}${detail}: is it running, and do the host and port in REDIS_URL point at it?`, nodeCode);
}

function firstWord(message: string): string | undefined {
  const word = message.split(' ', 1)[0] ?? '';
  return CODE.test(word) ? word : undefined;
}

function isTlsCode(code: string): boolean {
  return code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_') || code.startsWith('UNABLE_TO_')
    || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'EPROTO' || code === 'HOSTNAME_MISMATCH';
}
