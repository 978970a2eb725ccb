import type { LoginConfig } from '../../src/config/index.js';
import { BrowserError, KiteUnavailableError } from '../../src/errors/index.js';
import { KiteClock } from '../../src/kite/kite-clock.js';
import type { KiteSession, KiteSessionOptions } from '../../src/kite/session.js';
import { waitForTotpWindow } from '../../src/kite/totp-wait.js';
import { keepSavedToken, type LoginDeps, type LoginOutcome, type LoginRequest, type loginOnce } from '../../src/login/login-once.js';
import { formatIst } from '../../src/time/ist.js';
import { TokenStore } from '../../src/token-store.js';
import { TOTP_PERIOD_MS, totpCode } from '../../src/totp.js';
import { postSecret, type AnswerDeps, type Flow, type ModelSubmission } from './kite-model-answers.js';
import { BrowserModel, browserGone } from './kite-model-browser.js';
import type { AttemptScript } from './kite-model-faults.js';
import type { VirtualTime } from './kite-model-scheduler.js';
import { KiteSessions, type ModelSessionLog } from './kite-model-sessions.js';
import { KiteUser, type ModelAccount } from './kite-model-user.js';
import type { FakeMachine } from './year-daemon.js';
import { ProcessKilled } from './year-kite-model.js';

export type { ModelSubmission } from './kite-model-answers.js';
export type { ModelSessionLog } from './kite-model-sessions.js';
export { KiteUser, type ModelAccount } from './kite-model-user.js';

/*
 * A model of Kite at the edge, for the attempt rules' property tests: per user, Kite's own
 * count of wrong passwords and wrong codes and a pessimistic count beside it
 * (kite-model-user.ts), one live session per app and user (kite-model-sessions.ts), Kite's
 * answers to each secret (kite-model-answers.ts) and one browser shared by every account
 * (kite-model-browser.ts). It stands in for loginOnce (the `perform` dep of loginUnderLedger)
 * and answers `session` (profile) for keepSavedToken; everything between the command and Kite
 * is the real code. This file walks the login pages as walkLoginPages does, and keeps the log
 * of attempts and what Kite saw.
 *
 * Kite's clock is the true time; the machine's may be off (`kiteNow` vs the machine's wall
 * clock). Its responses carry a Date header (1 s resolution) unless the script says
 * `unmeasured`. A process kill ends every task of the process (VirtualTime.kill), with nothing
 * settled.
 */

/** One login attempt (a call of `perform`). */
export interface ModelAttempt {
  account: number;
  via: string;
  machineAt: number;
  script: AttemptScript;
  /** Kite's clock minus the machine's, at the start. */
  skewMs: number;
  ended: string;
}

export interface KiteCounterDeps {
  machine: FakeMachine;
  /** Kite's clock (the true time), epoch ms. */
  kiteNow: () => number;
  vt: VirtualTime;
  /** The next fault script of the account's attempts ({} when none is left). */
  scriptFor: (account: number) => AttemptScript;
}

export class KiteCounterModel {
  readonly users = new Map<number, KiteUser>();
  readonly accounts = new Map<number, ModelAccount>();
  readonly submissions: ModelSubmission[] = [];
  readonly attempts: ModelAttempt[] = [];
  /** Every property the model saw broken, as it happened. */
  readonly violations: string[] = [];
  readonly browser = new BrowserModel();
  readonly #deps: KiteCounterDeps;
  readonly #sessions: KiteSessions;
  readonly #answers: AnswerDeps;

  constructor(deps: KiteCounterDeps) {
    this.#deps = deps;
    const violation = (account: number, what: string): void => { this.#violation(account, what); };
    this.#sessions = new KiteSessions({ machine: deps.machine, kiteNow: deps.kiteNow, users: this.users, accounts: this.accounts, violation });
    this.#answers = {
      machine: deps.machine, kiteNow: deps.kiteNow, user: (account) => this.user(account), account: (account) => this.accounts.get(account),
      browser: this.browser, submissions: this.submissions, kill: () => this.#kill(), violation,
    };
  }

  /** Every session Kite made, in order. */
  get sessions(): readonly ModelSessionLog[] {
    return this.#sessions.log;
  }

  addAccount(account: ModelAccount, password: string, totpSecret: string): KiteUser {
    const user = new KiteUser(password, totpSecret);
    this.users.set(account.index, user);
    this.accounts.set(account.index, account);
    return user;
  }

  user(account: number): KiteUser {
    const user = this.users.get(account);
    if (!user) throw new Error(`the Kite model has no account ${account}`);
    return user;
  }

  // ---- What people do on kite.zerodha.com (see kite-model-user.ts) ----

  webLogin(account: number): void {
    this.user(account).webLogin();
  }

  resumed(account: number): void {
    this.user(account).resumed();
  }

  dirty(account: number, why: string): void {
    this.user(account).markDirty(why);
  }

  configChanged(account: number, passwordChanged: boolean): void {
    this.user(account).configChanged(passwordChanged);
  }

  // ---- Kite's API ----

  /** Kite's API as keepSavedToken asks it: a live session's token is accepted, any other is not. */
  readonly session = (options: KiteSessionOptions): KiteSession => this.#sessions.api(options);

  /** Does the account's token file hold the session Kite accepts now? */
  savedTokenLive(account: number, tokenFile: string): { live: boolean; current: boolean } {
    return this.#sessions.savedTokenLive(this.user(account), tokenFile);
  }

  /** A login as `perform` (loginOnce's signature), made by `via` for `account`. */
  performFor(account: number, via: string): typeof loginOnce {
    return (config, request, deps) => this.#perform(account, via, config, request, deps);
  }

  async #perform(account: number, via: string, config: LoginConfig, request: LoginRequest, deps: LoginDeps): Promise<LoginOutcome> {
    if (!deps.now || !deps.sleep) throw new Error('the Kite model needs the fake clock: pass now and sleep');
    if (!request.force && !request.dryRun && !request.tokenChecked) {
      const kept = await keepSavedToken(config, deps);
      if (kept) return kept;
    }
    const { machine, kiteNow } = this.#deps;
    const attempt: ModelAttempt = { account, via, machineAt: machine.wall, script: this.#deps.scriptFor(account), skewMs: kiteNow() - machine.wall, ended: 'running' };
    this.attempts.push(attempt);
    try {
      const outcome = await this.#walk(account, via, config, request, deps, attempt.script);
      attempt.ended = outcome.kind;
      return outcome;
    } catch (error) {
      attempt.ended = error instanceof ProcessKilled ? 'killed' : (error as { code?: string }).code ?? 'error';
      throw error;
    }
  }

  /** The login pages, as walkLoginPages goes through them. */
  async #walk(account: number, via: string, config: LoginConfig, request: LoginRequest, deps: LoginDeps, script: AttemptScript): Promise<LoginOutcome> {
    const { machine, kiteNow } = this.#deps;
    const creds = config.credentials;
    if (script.page === 'launch-crash') throw new BrowserError('BROWSER_FAILED', 'Chromium did not start (simulated crash).', { step: 'browser-launch' });
    const page = this.browser.open(account);
    try {
      if (script.page === 'kill') this.#kill();
      if (script.page === 'page-crash') {
        this.browser.crash();
        throw browserGone('login-page');
      }
      if (script.page === 'page-5xx') throw new KiteUnavailableError('The Kite login page answered HTTP 503.', { step: 'login-page' });
      const clock = new KiteClock(() => machine.wall);
      const dated = (sentAt: number): void => {
        if (!script.unmeasured) clock.observe(Math.floor(kiteNow() / 1000) * 1000, sentAt, machine.wall);
      };
      dated(machine.wall); // the login page's own response
      const flow: Flow = { account, via, config, deps, script, page, clock, dated };

      await postSecret(this.#answers, flow, 'password', creds.password, undefined);

      if (clock.measured) deps.onKiteClock?.(clock.offsetMs);
      const { codeAt } = await waitForTotpWindow(clock, { sleep: deps.sleep ?? machine.sleep, signal: deps.signal, floor: deps.gate.totpWindowFloor(), onWait: deps.onWait });
      const window = Math.floor(codeAt / TOTP_PERIOD_MS);
      await postSecret(this.#answers, flow, 'totp', totpCode(creds.totpSecret, codeAt), window);

      // The redirect carries a request_token; a dry run stops there.
      if (request.dryRun) return { kind: 'dry-run', requestTokenLength: 32 };
      await deps.confirmLockHeld?.();
      deps.assertLockHeld?.();
      const token = await this.#sessions.exchange(script.exchange, (ms) => (deps.sleep ?? machine.sleep)(ms, deps.signal), account, this.user(account), via, request, config);
      // As loginOnce keeps it: the account's record first, then the token file.
      await deps.recordToken?.(token);
      await new TokenStore(config.tokenFile).write(token);
      return { kind: 'logged-in', token, profileChecked: true };
    } finally {
      this.browser.close(page);
    }
  }

  #kill(): never {
    this.#deps.vt.kill();
    throw new ProcessKilled('the process was killed (simulated)');
  }

  #violation(account: number, what: string): void {
    this.violations.push(`${formatIst(this.#deps.machine.now()).slice(0, 19)} IST account ${account}: ${what}`);
  }
}
