import type { RawConfig } from '../config/index.js';

/** The new token, as ON_TOKEN_COMMAND is told about it: where it is, whose, until when. Never the token itself. */
export interface NewToken {
  /** KITE_TOKEN_FILE: the token file, absolute (the command reads the token from it). */
  tokenFile: string;
  /** KITE_USER_ID. */
  userId: string;
  /** KITE_ACCOUNT_NAME: the account's `name` in ACCOUNTS_FILE; empty when it has none. */
  accountName: string;
  /** KITE_TOKEN_EXPIRES_AT: ISO 8601 (IST, as in the token file); empty when unknown. */
  expiresAt: string;
}

/** Used when the tool itself runs with no PATH at all (a bare `env -i`). */
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The command's whole environment: an allow-list, like Chromium's (src/kite/browser.ts). The
 * tool's own environment holds the password, the keys, DATABASE_URL and REDIS_URL, and a
 * child's environment can be read in /proc by anything running as the same user; the command
 * gets where to find the token, and nothing it could leak.
 */
export function hookEnv(from: RawConfig, token: NewToken): Record<string, string> {
  const home = from['HOME'];
  return {
    PATH: from['PATH'] ?? FALLBACK_PATH,
    ...(home === undefined ? {} : { HOME: home }),
    KITE_TOKEN_FILE: token.tokenFile,
    KITE_USER_ID: token.userId,
    KITE_ACCOUNT_NAME: token.accountName,
    KITE_TOKEN_EXPIRES_AT: token.expiresAt,
  };
}
