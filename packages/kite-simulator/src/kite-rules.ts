import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail, ok, type ApiAnswer } from './api-answer.js';
import { kiteLoginTime, sessionEndAfter } from './kite-clock.js';
import { profileOf, shortName } from './kite-profile.js';
import { checkSecondFactor, factorsOffered, type SecondFactor } from './second-factor.js';
import { totpAt } from './totp.js';

export type { ApiAnswer } from './api-answer.js';

/** A Zerodha account of the simulator. */
export interface SimAccount {
  userId: string;
  password: string;
  /** Base32 TOTP secret (what the user configured; Kite checks it only when the account's second factor is `totp`). */
  totpSecret: string;
  userName: string;
  email: string;
  /**
   * The second factor Kite asks this account for. Default `totp` (external TOTP set up).
   * `app_code` or `sms`: no external TOTP, Kite asks for the Kite app's App Code or an SMS OTP.
   */
  twofa?: SecondFactor | undefined;
  /** The App Code Kite accepts (a test hands it in). Default none: every App Code is wrong. */
  appCode?: string | undefined;
  /** The SMS OTP Kite accepts (a test hands it in). Default none: every SMS OTP is wrong. */
  smsCode?: string | undefined;
}

/** A Kite Connect app of the simulator. */
export interface SimApp {
  apiKey: string;
  apiSecret: string;
  redirectUrl: string;
  name: string;
  /** Users who already gave consent; the others see the consent page on their first login. */
  authorizedUsers?: string[];
}

export interface RulesOptions {
  accounts: SimAccount[];
  apps: SimApp[];
  /** Epoch ms. */
  now: () => number;
  /** TOTP windows accepted on each side of the current one. Default 0: the current window only. */
  totpSkewWindows?: number;
  /** The wording of a wrong password: old pages, or the newer one with attempts left. */
  messageStyle?: 'classic' | 'attempts';
  /**
   * Every account's second factor when set, whatever its own `twofa` (a page shape's world:
   * the shape says which factor its page asks for). Read at each login. Default none.
   */
  readonly factorOverride?: SecondFactor | undefined;
}

const MAX_ATTEMPTS = 5;
const REQUEST_TOKEN_TTL_MS = 5 * 60_000;

interface AccountState {
  account: SimAccount;
  wrongPasswords: number;
  wrongCodes: number;
  blocked: boolean;
  requestIds: Set<string>;
}

interface RequestToken { apiKey: string; userId: string; issuedAt: number; used: boolean }
interface AccessToken { apiKey: string; userId: string; publicToken: string; issuedAt: number; expiresAt: number; live: boolean }

const token = (bytes = 16): string => randomBytes(bytes).toString('hex');

/**
 * Kite's rules, apart from HTTP: credentials and TOTP checks with attempt counting and
 * blocking, single-use request tokens that expire, the checksum, one live access token per
 * app and user (a new session kills the old), tokens dying at 06:00 IST.
 */
export class KiteRules {
  readonly #accounts = new Map<string, AccountState>();
  readonly #apps = new Map<string, SimApp & { consented: Set<string> }>();
  readonly #requestTokens = new Map<string, RequestToken>();
  readonly #accessTokens = new Map<string, AccessToken>();
  readonly #options: RulesOptions;
  /** Every secret value this simulator handed out or accepted, for tests that look for leaks. */
  readonly issuedSecrets: string[] = [];

  constructor(options: RulesOptions) {
    this.#options = options;
    for (const account of options.accounts) {
      this.#accounts.set(account.userId.toUpperCase(), { account, wrongPasswords: 0, wrongCodes: 0, blocked: false, requestIds: new Set() });
    }
    for (const app of options.apps) this.#apps.set(app.apiKey, { ...app, consented: new Set(app.authorizedUsers ?? []) });
  }

  now(): number {
    return this.#options.now();
  }

  /** Another Zerodha user (a family member) who may log in to the same apps. */
  addAccount(account: SimAccount): void {
    this.#accounts.set(account.userId.toUpperCase(), { account, wrongPasswords: 0, wrongCodes: 0, blocked: false, requestIds: new Set() });
  }

  app(apiKey: string | null | undefined): SimApp | undefined {
    return apiKey ? this.#apps.get(apiKey) : undefined;
  }

  hasConsent(apiKey: string, userId: string): boolean {
    return this.#apps.get(apiKey)?.consented.has(userId) ?? false;
  }

  giveConsent(apiKey: string, userId: string): void {
    this.#apps.get(apiKey)?.consented.add(userId);
  }

  isBlocked(userId: string): boolean {
    return this.#accounts.get(userId.toUpperCase())?.blocked ?? false;
  }

  /** `POST /api/login`. */
  login(userId: string, password: string): ApiAnswer {
    const state = this.#accounts.get(userId.trim().toUpperCase());
    if (!state) return fail(400, 'InputException', 'User profile not found');
    if (state.blocked) return blockedAnswer();
    if (!safeEqual(password, state.account.password)) {
      state.wrongPasswords += 1;
      const remaining = MAX_ATTEMPTS - state.wrongPasswords;
      if (remaining <= 0) {
        state.blocked = true;
        return blockedAnswer();
      }
      const message = this.#options.messageStyle === 'classic'
        ? 'Invalid username or password.'
        : `Invalid account credentials. ${remaining} attempts remain`;
      return fail(403, 'InputException', message, { attempts_remaining: remaining });
    }
    state.wrongPasswords = 0;
    const requestId = token(20);
    state.requestIds.add(requestId);
    return ok({
      user_id: state.account.userId,
      request_id: requestId,
      ...factorsOffered(this.factorOf(state.account)),
      twofa_status: 'active',
      profile: { user_name: state.account.userName, user_shortname: shortName(state.account.userName), avatar_url: null },
    });
  }

  /** The second factor Kite asks this account for (the override first, then its own, then TOTP). */
  factorOf(account: SimAccount): SecondFactor {
    return this.#options.factorOverride ?? account.twofa ?? 'totp';
  }

  /**
   * `POST /api/twofa`: on success the answer carries the user id for the browser session.
   * `twofaType` is the posted `twofa_type` (missing: the factor Kite named). Every rejected
   * second factor counts toward the five, a type Kite did not offer included.
   */
  twofa(userId: string, requestId: string, value: string, twofaType?: string): ApiAnswer {
    const state = this.#accounts.get(userId.trim().toUpperCase());
    if (!state || !state.requestIds.has(requestId)) return fail(400, 'InputException', 'Invalid request. Please login again.');
    if (state.blocked) return blockedAnswer();
    const skew = this.#options.totpSkewWindows ?? 0;
    const rejected = checkSecondFactor(state.account, this.factorOf(state.account), twofaType, value, this.now(), skew);
    if (rejected) {
      state.wrongCodes += 1;
      const remaining = MAX_ATTEMPTS - state.wrongCodes;
      if (remaining <= 0) {
        state.blocked = true;
        return blockedAnswer();
      }
      const { httpStatus, message, error_type: errorType } = rejected;
      return fail(httpStatus, errorType, message, { attempts_remaining: remaining });
    }
    state.wrongCodes = 0;
    state.requestIds.delete(requestId);
    this.issuedSecrets.push(value);
    return ok({ profile: {}, user_id: state.account.userId });
  }

  /** Issues the one-time request_token carried by the final redirect. */
  issueRequestToken(apiKey: string, userId: string): string {
    const value = token(16);
    this.#requestTokens.set(value, { apiKey, userId, issuedAt: this.now(), used: false });
    this.issuedSecrets.push(value);
    return value;
  }

  /** `POST /session/token`. */
  exchange(fields: { api_key?: string | undefined; request_token?: string | undefined; checksum?: string | undefined }): ApiAnswer {
    for (const name of ['api_key', 'request_token', 'checksum'] as const) {
      if (!fields[name]) return fail(400, 'InputException', `Missing \`${name}\``);
    }
    const app = this.#apps.get(fields.api_key as string);
    if (!app) return fail(403, 'TokenException', 'Invalid `api_key`.');
    const expected = createHash('sha256').update(`${app.apiKey}${fields.request_token}${app.apiSecret}`).digest('hex');
    if (!safeEqual(fields.checksum as string, expected)) return fail(403, 'TokenException', 'Invalid `checksum`.');
    const request = this.#requestTokens.get(fields.request_token as string);
    if (!request || request.used || request.apiKey !== app.apiKey || this.now() - request.issuedAt > REQUEST_TOKEN_TTL_MS) {
      return fail(403, 'TokenException', 'Token is invalid or has expired.');
    }
    request.used = true;
    // One live session per app and user: the new one ends the old.
    for (const access of this.#accessTokens.values()) {
      if (access.apiKey === app.apiKey && access.userId === request.userId) access.live = false;
    }
    const issuedAt = this.now();
    const accessToken = token(16);
    const publicToken = token(16);
    this.#accessTokens.set(accessToken, {
      apiKey: app.apiKey, userId: request.userId, publicToken, issuedAt,
      expiresAt: sessionEndAfter(issuedAt), live: true,
    });
    const account = this.#accounts.get(request.userId.toUpperCase())?.account;
    const enctoken = token(24);
    this.issuedSecrets.push(accessToken, publicToken, enctoken, fields.checksum as string);
    return ok({
      ...profileOf(account, request.userId),
      api_key: app.apiKey,
      access_token: accessToken,
      public_token: publicToken,
      enctoken,
      refresh_token: '',
      silo: '',
      login_time: kiteLoginTime(issuedAt),
      meta: { demat_consent: 'consent' },
    });
  }

  /**
   * Whether `value` is (or holds) a secret of one of the accounts: a password, a TOTP of the
   * current window or the next or previous one, an App Code or SMS OTP handed in. For checks
   * that a page's background requests carry none; the value itself is never kept.
   */
  isSecret(value: string): boolean {
    if (value === '') return false;
    const at = this.now();
    for (const { account } of this.#accounts.values()) {
      if (account.password !== '' && value.includes(account.password)) return true;
      if (value === account.appCode || value === account.smsCode) return true;
      if ([-1, 0, 1].some((k) => value === totpAt(account.totpSecret, at + k * 30_000))) return true;
    }
    return false;
  }

  /** Whose request_token this is (for faults aimed at one user); undefined for an unknown one. */
  userOfRequestToken(requestToken: string): string | undefined {
    return this.#requestTokens.get(requestToken)?.userId;
  }

  /** Whose access token an `Authorization: token api_key:access_token` header carries, if any. */
  userOfAuthorization(authorization: string | undefined): string | undefined {
    const match = /^token\s+([^:\s]+):(\S+)$/.exec(authorization ?? '');
    return match ? this.#accessTokens.get(match[2] as string)?.userId : undefined;
  }

  /** `GET /user/profile` with `Authorization: token api_key:access_token`. */
  profile(authorization: string | undefined): ApiAnswer {
    const match = /^token\s+([^:\s]+):(\S+)$/.exec(authorization ?? '');
    const access = match ? this.#accessTokens.get(match[2] as string) : undefined;
    if (!match || !access || access.apiKey !== match[1]) {
      return fail(403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
    }
    if (!access.live || this.now() >= access.expiresAt) return fail(403, 'TokenException', 'Token is invalid or has expired.');
    const account = this.#accounts.get(access.userId.toUpperCase())?.account;
    return ok(profileOf(account, access.userId));
  }
}

function blockedAnswer(): ApiAnswer {
  return fail(403, 'UserException', 'Your account has been blocked after too many failed attempts. Reset your password to unblock it.');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

