import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/index.js';

export type { Logger } from 'pino';

/**
 * Field names whose values never reach a log line, wherever they appear (one level deep
 * and at the top). This is the second line of defence: the code does not log secrets in
 * the first place.
 */
const SECRET_KEYS = [
  'password', 'api_secret', 'apiSecret', 'totp', 'totp_secret', 'totpSecret', 'totp_code', 'twofa_value',
  'access_token', 'accessToken', 'request_token', 'requestToken', 'public_token', 'publicToken',
  'enctoken', 'refresh_token', 'checksum', 'authorization', 'Authorization', 'credentials', 'cookie',
  'bot_token', 'botToken',
];
const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`), 'headers.authorization', 'headers.cookie'];

/** JSON lines to stderr (stdout is for the command's own answer). */
export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination({ fd: 2, sync: true })): Logger {
  return pino({
    name: 'kite-autologin',
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  }, destination);
}
