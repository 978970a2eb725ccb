import { readFileSync } from 'node:fs';
import type { LoginConfig } from '../../src/config/index.js';
import { KiteUnavailableError, SessionError } from '../../src/errors/index.js';
import type { KiteSession, KiteSessionOptions } from '../../src/kite/session.js';
import type { LoginRequest } from '../../src/login/login-once.js';
import { istDate, sessionExpiry } from '../../src/time/ist.js';
import { buildSavedToken, isTokenCurrent, type SavedToken } from '../../src/token-store.js';
import type { ExchangeFault } from './kite-model-faults.js';
import type { KiteSessionRecord, KiteUser, ModelAccount } from './kite-model-user.js';
import type { FakeMachine } from './year-daemon.js';

/*
 * Kite's sessions, for the attempt rules' property tests: one live session per app and user.
 * The token exchange makes a new one and the old token dies; a session ends at the first
 * 06:00 IST (Kite's clock) after it was made. Kite's clock is the true time; the machine's may
 * be off. Kite's API answers `profile` for keepSavedToken: a live session's token is accepted,
 * any other is not. Making a session checks that no valid saved token is replaced without
 * `--force`.
 */

/** One session Kite made, for the history's report and checks. */
export interface ModelSessionLog {
  account: number;
  via: string;
  force: boolean;
  machineAt: number;
  day: string;
  /** Kite made it and the exchange's answer never came back: the tool never held its token (AttemptScript.exchange `lost`). */
  lost?: true;
}

export interface KiteSessionsDeps {
  machine: FakeMachine;
  /** Kite's clock (the true time), epoch ms. */
  kiteNow: () => number;
  users: ReadonlyMap<number, KiteUser>;
  accounts: ReadonlyMap<number, ModelAccount>;
  /** A broken property, seen as it happened. */
  violation: (account: number, what: string) => void;
}

/** kiteconnect's request timeout as createKiteSession sets it (the login passes none: its default). */
const EXCHANGE_TIMEOUT_MS = 15_000;

export class KiteSessions {
  /** Every session Kite made, in order. */
  readonly log: ModelSessionLog[] = [];
  readonly #deps: KiteSessionsDeps;
  #tokens = 0;

  constructor(deps: KiteSessionsDeps) {
    this.#deps = deps;
  }

  /** Kite's API as keepSavedToken asks it: a live session's token is accepted, any other is not. */
  readonly api = (options: KiteSessionOptions): KiteSession => ({
    exchange: () => Promise.reject(new Error('the Kite model exchanges inside its login')),
    profile: (accessToken: string) => {
      for (const [index, user] of this.#deps.users) {
        const account = this.#deps.accounts.get(index);
        if (account?.apiKey === options.apiKey && this.live(user)?.token === accessToken) {
          return Promise.resolve({ userId: account.userId, userName: 'Model Trader', email: 'model@example.com' });
        }
      }
      return Promise.reject(new SessionError('TOKEN_REJECTED', 'Token is invalid or has expired.', { step: 'profile' }));
    },
  });

  /** The user's session, if Kite still accepts it. */
  live(user: KiteUser): KiteSessionRecord | undefined {
    return user.session && this.#deps.kiteNow() < user.session.expiresKite ? user.session : undefined;
  }

  /** Does the token file hold the session Kite accepts now for this user? */
  savedTokenLive(user: KiteUser, tokenFile: string): { live: boolean; current: boolean } {
    const token = readTokenSync(tokenFile);
    const live = token !== undefined && token.access_token === this.live(user)?.token;
    return { live, current: live && isTokenCurrent(token, this.#deps.machine.now()) };
  }

  /**
   * The token exchange as the login meets it, under `fault` (AttemptScript.exchange): a new
   * session and its token; or HTTP 503/429 (none made); or no answer within kiteconnect's
   * timeout (`lost`: Kite made the session, and the previous one died, all the same), thrown as
   * sdkError converts the SDK's rejection.
   */
  async exchange(fault: ExchangeFault | undefined, sleep: (ms: number) => Promise<void>, ...made: Parameters<KiteSessions['create']>): Promise<SavedToken> {
    if (typeof fault === 'number') throw new KiteUnavailableError(`Kite API unavailable during exchange: HTTP ${fault}.`, { step: 'exchange' });
    if (fault === undefined) return this.create(...made);
    if (fault === 'lost') this.create(made[0], made[1], made[2], made[3], made[4], { lost: true });
    await sleep(EXCHANGE_TIMEOUT_MS);
    throw new KiteUnavailableError(`Kite API call failed during exchange: timeout of ${EXCHANGE_TIMEOUT_MS}ms exceeded.`, { step: 'exchange' });
  }

  /** A new session, and the old one dies (`lost`: its answer never reaches the tool). */
  create(account: number, user: KiteUser, via: string, request: LoginRequest, config: LoginConfig, options: { lost?: boolean } = {}): SavedToken {
    const { machine, kiteNow } = this.#deps;
    const old = this.live(user);
    if (old && !request.force) {
      const saved = readTokenSync(config.tokenFile);
      if (saved?.access_token === old.token && isTokenCurrent(saved, machine.now())) {
        this.#deps.violation(account, `${via} replaced a valid saved token (made ${new Date(old.kiteAt).toISOString()} by ${old.via}) without --force`);
      }
    }
    this.#tokens += 1;
    const kite = kiteNow();
    const accessToken = `model-token-${account}-${this.#tokens}`;
    const day = istDate(machine.now());
    user.session = { token: accessToken, kiteAt: kite, expiresKite: sessionExpiry(new Date(kite)).getTime(), machineAt: machine.wall, via, force: request.force ?? false, day };
    this.log.push({ account, via, force: request.force ?? false, machineAt: machine.wall, day, ...(options.lost ? { lost: true as const } : {}) });
    const modelAccount = this.#deps.accounts.get(account);
    return buildSavedToken({
      accessToken, publicToken: `public-${this.#tokens}`, apiKey: config.credentials.apiKey, userId: modelAccount?.userId ?? config.credentials.userId,
      userName: 'Model Trader', userShortname: 'model', email: 'model@example.com', loginTime: new Date(kite),
    }, machine.now());
  }
}

function readTokenSync(path: string): SavedToken | undefined {
  try {
    const token = JSON.parse(readFileSync(path, 'utf8')) as Partial<SavedToken>;
    return typeof token.access_token === 'string' && typeof token.login_time === 'string' && typeof token.expires_at === 'string' ? token as SavedToken : undefined;
  } catch {
    return undefined;
  }
}
