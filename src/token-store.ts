import { readText } from './disk/read.js';
import { formatIst, lastSessionBoundary, sessionExpiry } from './time/ist.js';

/** The token file's content: what trading programs read. Times are ISO 8601 in IST. */
export interface SavedToken {
  access_token: string;
  public_token: string;
  api_key: string;
  user_id: string;
  user_name: string;
  user_shortname: string;
  email: string;
  /** When Kite issued the session, e.g. `2026-11-23T08:05:09+05:30`. */
  login_time: string;
  /** The next 06:00 IST after login_time, when Kite ends the session. */
  expires_at: string;
  /** When this file was written. */
  saved_at: string;
}

export type TokenRead =
  | { state: 'missing' }
  | { state: 'unreadable'; reason: string }
  | { state: 'ok'; token: SavedToken };

const REQUIRED: readonly (keyof SavedToken)[] = ['access_token', 'api_key', 'user_id', 'login_time', 'expires_at'];

export function buildSavedToken(session: {
  accessToken: string; publicToken: string; apiKey: string; userId: string; userName: string;
  userShortname: string; email: string; loginTime: Date;
}, savedAt: Date): SavedToken {
  return {
    access_token: session.accessToken,
    public_token: session.publicToken,
    api_key: session.apiKey,
    user_id: session.userId,
    user_name: session.userName,
    user_shortname: session.userShortname,
    email: session.email,
    login_time: formatIst(session.loginTime),
    expires_at: formatIst(sessionExpiry(session.loginTime)),
    saved_at: formatIst(savedAt),
  };
}

/** Issued after the last 06:00 IST and not yet expired: worth asking Kite about. */
export function isTokenCurrent(token: SavedToken, now: Date): boolean {
  const loginTime = Date.parse(token.login_time);
  const expiresAt = Date.parse(token.expires_at);
  if (Number.isNaN(loginTime) || Number.isNaN(expiresAt)) return false;
  return loginTime >= lastSessionBoundary(now).getTime() && now.getTime() < expiresAt;
}

/** Owns the token file. */
export class TokenStore {
  constructor(readonly path: string) {}

  async read(): Promise<TokenRead> {
    let text: string;
    try {
      text = await readText(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
      return { state: 'unreadable', reason: (error as NodeJS.ErrnoException).code ?? 'read error' };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { state: 'unreadable', reason: 'not JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null) return { state: 'unreadable', reason: 'not a JSON object' };
    const missing = REQUIRED.filter((key) => typeof (parsed as Record<string, unknown>)[key] !== 'string');
    if (missing.length > 0) return { state: 'unreadable', reason: `missing ${missing.join(', ')}` };
    return { state: 'ok', token: parsed as SavedToken };
  }

  /**
   * Temp file, fsync, rename: a reader sees the old file or the new one, never half of one,
   * and a crash mid-write leaves the old token in place. Mode 0600 in a 0700 folder.
   */
  async write(token: SavedToken): Promise<void> {
    // Loaded here: `status` and `health` only read the file, and every module costs them start-up time.
    const { writeAtomically } = await import('./disk/write.js');
    await writeAtomically(this.path, `${JSON.stringify(token, null, 2)}\n`);
  }
}
