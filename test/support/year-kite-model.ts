import { randomBytes } from 'node:crypto';
import type { LoginConfig } from '../../src/config/index.js';
import { AbortedError, KiteRejectedError, KiteUnavailableError, OutcomeUnknownError, SessionError, type LoginStep } from '../../src/errors/index.js';
import type { KiteSession } from '../../src/kite/session.js';
import type { SubmissionGate } from '../../src/kite/walk-login-pages.js';
import type { Factor } from '../../src/ledger/records.js';
import type { LoginDeps, LoginOutcome, LoginRequest, loginOnce as performLogin } from '../../src/login/login-once.js';
import { istDate } from '../../src/time/ist.js';
import { buildSavedToken, isTokenCurrent, TokenStore } from '../../src/token-store.js';
import { DEFAULT_MIN_WINDOW_LEFT_MS, TOTP_PERIOD_MS, totpCode, totpWaitMs } from '../../src/totp.js';

/** How Kite (and the path to it) behaves on one IST day of the simulated year. */
export interface KiteMorning {
  /** The login page itself answers 5xx until this instant (machine clock, epoch ms). */
  downUntil?: number;
  /** Kite's clock minus the machine's. */
  offsetMs?: number;
  /** The first N attempts of the day get no usable Date header: the tool cannot measure Kite's clock. */
  unmeasuredAttempts?: number;
  /** The first N answers to each of these (POST /api/login, /api/twofa, /session/token) answer HTTP `transientStatus`. */
  transient?: Partial<Record<Factor | 'exchange', number>>;
  /** The status of those answers: 503 (the default) or 429 (rate limited). */
  transientStatus?: 503 | 429;
  /**
   * The first submission of this factor, or the first token exchange, is never answered: Kite
   * judged the secret (or made the session, ending the previous one) and nothing came back.
   */
  silent?: Factor | 'exchange';
  /** The browser crashes right after the first submission of this factor left: Kite judges it, its answer is lost. */
  crashAfterSending?: Factor;
  /** Every answer takes this long (within the step timeout). */
  answerDelayMs?: number;
  /** The process is killed here (before the page loads, or right after the gate recorded this factor), `times` times. */
  kill?: { at: 'login-page' | Factor; times: number };
}

/** The process dies (SIGKILL, OOM): nothing is settled, nothing is recorded. runMorning lets an AbortedError through untouched. */
export class ProcessKilled extends AbortedError {}

/** One login that ended with a token saved. */
export interface ModelLogin { day: string; at: number; via: string }

/** One call of the login (a fresh browser, in the real flow). */
export interface ModelCall { day: string; at: number; ended: string }

interface DayCounters {
  attempts: number;
  transient: Record<Factor | 'exchange', number>;
  silent: Set<Factor | 'exchange'>;
  crashed: Set<Factor>;
  kills: number;
}

const MEASURE_UNCERTAINTY_MS = 500;
/** kiteconnect's request timeout as createKiteSession sets it (the login passes none: its default). */
const EXCHANGE_TIMEOUT_MS = 15_000;

/**
 * Kite for the simulated year: one account (its password, its TOTP secret, its count of
 * wrong attempts in a row, its live session) behind a login that does what the real flow
 * does with the gate: `open` before anything is sent, `settle` once the answer is read,
 * the TOTP window guard, the same typed errors. `perform` has performLogin's signature.
 */
export class KiteModel {
  readonly userId: string;
  password: string;
  totpSecret: string;
  /** Kite's counters of wrong answers in a row (five of either block the account). */
  wrong = { password: 0, totp: 0 };
  maxWrong = { password: 0, totp: 0 };
  blocked = false;
  liveSession: string | undefined;
  readonly logins: ModelLogin[] = [];
  readonly calls: ModelCall[] = [];
  /** Submissions the gate let through, with what Kite did with each (for the test's own cross-check). */
  readonly sent: { day: string; factor: Factor; answer: string; via: string }[] = [];
  kills = 0;
  readonly #morning: (day: string) => KiteMorning;
  readonly #counters = new Map<string, DayCounters>();

  constructor(account: { userId: string; password: string; totpSecret: string }, morning: (day: string) => KiteMorning) {
    this.userId = account.userId;
    this.password = account.password;
    this.totpSecret = account.totpSecret;
    this.#morning = morning;
  }

  #countersOf(day: string): DayCounters {
    let c = this.#counters.get(day);
    if (!c) {
      c = { attempts: 0, transient: { password: 0, totp: 0, exchange: 0 }, silent: new Set(), crashed: new Set(), kills: 0 };
      this.#counters.set(day, c);
    }
    return c;
  }

  /** Kite's API as keepSavedToken asks it: the live session's token is accepted, any other is not. */
  readonly session = (): KiteSession => ({
    exchange: () => Promise.reject(new Error('the Kite model exchanges inside its login')),
    profile: (accessToken: string) => (accessToken === this.liveSession
      ? Promise.resolve({ userId: this.userId, userName: 'Simulated Trader', email: 'sim@example.com' })
      : Promise.reject(new SessionError('TOKEN_REJECTED', 'Token is invalid or has expired.', { step: 'profile' }))),
  });

  /** Same signature as performLogin; `via` names the caller in the model's own log. */
  performAs(via: string): typeof performLogin {
    return (config, request, deps) => this.#perform(config, request, deps, via);
  }

  async #perform(config: LoginConfig, request: LoginRequest, deps: LoginDeps, via: string): Promise<LoginOutcome> {
    if (!deps.now || !deps.sleep) throw new Error('the Kite model needs the fake clock: pass now and sleep');
    const clock = deps.now;
    const sleep = deps.sleep;
    const now = (): number => clock().getTime();
    const day = istDate(new Date(now()));
    const call: ModelCall = { day, at: now(), ended: 'running' };
    this.calls.push(call);
    try {
      const outcome = await this.#login(config, request, deps, via, now, sleep, day);
      call.ended = outcome.kind;
      return outcome;
    } catch (error) {
      call.ended = error instanceof ProcessKilled ? 'killed' : (error as { code?: string }).code ?? 'error';
      throw error;
    }
  }

  async #login(
    config: LoginConfig, request: LoginRequest, deps: LoginDeps, via: string,
    now: () => number, sleep: (ms: number, signal?: AbortSignal) => Promise<void>, day: string,
  ): Promise<LoginOutcome> {
    const creds = config.credentials;
    const m = this.#morning(day);
    const c = this.#countersOf(day);
    c.attempts += 1;
    const store = new TokenStore(config.tokenFile);

    // performLogin: today's token is kept while Kite still accepts it (unless force, or the caller checked it).
    if (!request.force && !request.dryRun && !request.tokenChecked) {
      const read = await store.read();
      if (read.state === 'ok' && read.token.api_key === creds.apiKey && read.token.user_id.toUpperCase() === creds.userId.toUpperCase()
        && isTokenCurrent(read.token, new Date(now())) && read.token.access_token === this.liveSession) {
        return { kind: 'still-valid', token: read.token };
      }
    }

    if (m.kill?.at === 'login-page' && c.kills < m.kill.times) this.#kill(c);
    // The real flow fails at the login page when the page itself is down: nothing typed, no gate.
    if (m.downUntil !== undefined && now() < m.downUntil) {
      throw new KiteUnavailableError('The Kite login page answered HTTP 503.', { step: 'login-page' });
    }

    const offset = m.offsetMs ?? 0;
    const status = m.transientStatus ?? 503;
    const measured = c.attempts > (m.unmeasuredAttempts ?? 0);
    /** Kite's own clock. */
    const kiteTrue = (): number => now() + offset;
    /** Kite's clock as the tool knows it: measured from Date headers, else the machine's. */
    const kiteSeen = (): number => now() + (measured ? offset : 0);

    const submit = async (factor: Factor, gate: SubmissionGate, context: { kiteNow: number; window?: number; clockMeasured: boolean }, right: () => boolean): Promise<void> => {
      const step: LoginStep = factor === 'password' ? 'credentials' : 'second-factor';
      const what = factor === 'password' ? 'password' : 'TOTP code';
      const ticket = await gate.open(factor, context);
      const sent = { day: istDate(new Date(context.kiteNow)), factor, answer: 'pending', via };
      this.sent.push(sent);
      if (m.kill?.at === factor && c.kills < m.kill.times) this.#kill(c);
      if (m.silent === factor && !c.silent.has(factor)) {
        c.silent.add(factor);
        this.#answer(factor, right()); // Kite got it and judged it; its answer never comes back
        await sleep(config.stepTimeoutMs, deps.signal);
        sent.answer = 'unknown';
        await ticket.settle('unknown', { code: 'SUBMISSION_UNKNOWN' });
        throw new OutcomeUnknownError(`The ${what} was sent to Kite and no answer came within ${Math.round(config.stepTimeoutMs / 1000)}s. It may have been a rejection, so it counts as one.`, { step });
      }
      if (m.crashAfterSending === factor && !c.crashed.has(factor)) {
        c.crashed.add(factor);
        this.#answer(factor, right()); // Kite got it and judged it; the browser died before the answer
        sent.answer = 'unknown';
        await ticket.settle('unknown', { code: 'SUBMISSION_UNKNOWN' });
        throw new OutcomeUnknownError(`The ${what} was sent to Kite and its request ended without an answer (net::ERR_FAILED: the browser crashed). It may have been a rejection, so it counts as one.`, { step });
      }
      if (m.answerDelayMs) await sleep(m.answerDelayMs, deps.signal);
      if (c.transient[factor] < (m.transient?.[factor] ?? 0)) {
        c.transient[factor] += 1;
        sent.answer = 'transient';
        await ticket.settle('transient', { code: 'KITE_UNAVAILABLE', status });
        throw new KiteUnavailableError(`Kite answered the ${what} with HTTP ${status}.`, { step });
      }
      const answer = this.#answer(factor, right());
      sent.answer = answer;
      if (answer === 'blocked') {
        await ticket.settle('blocked', { code: 'ACCOUNT_BLOCKED', status: 403 });
        throw new KiteRejectedError('ACCOUNT_BLOCKED', 'Your account is blocked after too many failed attempts.', { step });
      }
      if (answer === 'rejected') {
        const code = factor === 'password' ? 'CREDENTIALS_REJECTED' : 'TOTP_REJECTED';
        await ticket.settle('rejected', { code, status: 400 });
        throw new KiteRejectedError(code, factor === 'password' ? 'Invalid username or password.' : 'Invalid TOTP', { step, attemptsRemaining: 5 - this.wrong[factor] });
      }
      await ticket.settle('accepted', { status: 200 });
    };

    await submit('password', deps.gate, { kiteNow: kiteSeen(), clockMeasured: measured },
      () => creds.userId.toUpperCase() === this.userId.toUpperCase() && creds.password === this.password);

    // The second factor: waitForTotpWindow, then a code made on Kite's clock as measured.
    if (measured) deps.onKiteClock?.(offset);
    const margin = DEFAULT_MIN_WINDOW_LEFT_MS + (measured ? MEASURE_UNCERTAINTY_MS : 0);
    const floor = deps.gate.totpWindowFloor();
    let waitMs = totpWaitMs(kiteSeen(), Math.min(margin, TOTP_PERIOD_MS - 1_000));
    if (floor !== undefined) waitMs = Math.max(waitMs, (floor + 1) * TOTP_PERIOD_MS - kiteSeen());
    if (waitMs > 0) await sleep(waitMs, deps.signal);
    const seen = kiteSeen();
    const window = Math.floor(seen / TOTP_PERIOD_MS);
    const code = totpCode(creds.totpSecret, seen);
    await submit('totp', deps.gate, { kiteNow: seen, window, clockMeasured: measured }, () => {
      // Kite checks the code against ITS clock: only a code of its current window, from its secret.
      const kite = kiteTrue();
      return window === Math.floor(kite / TOTP_PERIOD_MS) && code === totpCode(this.totpSecret, kite);
    });

    // The redirect, then the exchange (the real flow checks the lock right before it).
    deps.assertLockHeld?.();
    if (c.transient.exchange < (m.transient?.exchange ?? 0)) {
      c.transient.exchange += 1;
      throw new KiteUnavailableError(`Kite API unavailable during exchange: HTTP ${status}.`, { step: 'exchange' });
    }
    if (m.silent === 'exchange' && !c.silent.has('exchange')) {
      // Kite made a session (the previous one dies) and its answer never came back: the SDK times out.
      c.silent.add('exchange');
      this.liveSession = randomBytes(16).toString('hex');
      this.wrong = { password: 0, totp: 0 };
      await sleep(EXCHANGE_TIMEOUT_MS, deps.signal);
      throw new KiteUnavailableError(`Kite API call failed during exchange: timeout of ${EXCHANGE_TIMEOUT_MS}ms exceeded.`, { step: 'exchange' });
    }
    const accessToken = randomBytes(16).toString('hex');
    this.liveSession = accessToken;
    this.wrong = { password: 0, totp: 0 };
    const token = buildSavedToken({
      accessToken, publicToken: randomBytes(8).toString('hex'), apiKey: creds.apiKey, userId: creds.userId,
      userName: 'Simulated Trader', userShortname: 'sim', email: 'sim@example.com', loginTime: new Date(kiteTrue()),
    }, new Date(now()));
    await store.write(token);
    this.logins.push({ day, at: now(), via });
    return { kind: 'logged-in', token, profileChecked: true };
  }

  /** Kite's verdict on a submission it received, and its count of wrong attempts in a row. */
  #answer(factor: Factor, correct: boolean): 'accepted' | 'rejected' | 'blocked' {
    if (this.blocked) return 'blocked';
    if (correct) return 'accepted';
    this.wrong[factor] += 1;
    this.maxWrong[factor] = Math.max(this.maxWrong[factor], this.wrong[factor]);
    if (this.wrong[factor] >= 5) this.blocked = true;
    return 'rejected';
  }

  #kill(c: DayCounters): never {
    c.kills += 1;
    this.kills += 1;
    throw new ProcessKilled('the process was killed (simulated)');
  }
}
