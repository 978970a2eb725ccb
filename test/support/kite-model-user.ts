import type { AnswerKind, Factor } from '../../src/ledger/records.js';
import { TOTP_PERIOD_MS, totpCode } from '../../src/totp.js';
import type { AnswerFault } from './kite-model-faults.js';

/*
 * Kite's counter, for the attempt rules' property tests: per user, Kite's own count of wrong
 * passwords and wrong codes (five of either block the account), and a pessimistic count beside
 * it, with what the rules must keep from happening to them.
 *
 * Assumptions (what the model takes Kite and the person to do):
 * - Kite's count of a factor moves only on submissions it received and judged: +1 for a wrong
 *   secret, back to 0 for a right one, never at midnight. Five wrong in a row block the
 *   account; a blocked account answers "blocked" to everything.
 * - The pessimistic count is what Kite may have counted, seen from the edge: every secret
 *   that reached a page (typed) and was not answered "accepted" (rejected, blocked, 5xx/429,
 *   no answer, reset, processed but the answer lost, a crash or a kill after typing) counts as
 *   wrong; only an accepted answer of that factor resets it. It is at least Kite's own count.
 * - A person's `resume` stands for "logged in by hand on kite.zerodha.com (after the reset
 *   with CAPTCHA, if it was blocked), then ran `kite-autologin resume`": the web login resets
 *   Kite's counts (both kinds here) and unblocks. Changing the configured credentials, and
 *   changing the password or TOTP on Kite, are likewise modelled as made right after a web
 *   login by hand, so they reset Kite's counts too. A web login by hand does not end the app's
 *   session (it is not a Kite Connect session).
 * - Kite checks a code against its own clock, the current 30 s window only.
 */

/** One account of the model: who it is, and how to read what its ledger has committed. */
export interface ModelAccount {
  index: number;
  userId: string;
  apiKey: string;
  /** Where its ledger lives, for messages. */
  ledgerPlace: string;
  /**
   * Ids of the submissions (of `factor`) its ledger holds with no answer yet, read from what the
   * account's home has committed (to check that a submission is recorded before it is typed).
   */
  unanswered: (factor?: Factor) => Promise<Set<string>>;
}

/** The session Kite keeps for a user (one per app and user). */
export interface KiteSessionRecord { token: string; kiteAt: number; expiresKite: number; machineAt: number; via: string; force: boolean; day: string }

/** What Kite makes of a secret it received. */
export type Verdict = 'accepted' | 'rejected' | 'blocked';

/** Kite's side of one user. */
export class KiteUser {
  password: string;
  totpSecret: string;
  /** Kite's own count of wrong secrets in a row, per factor. */
  readonly real: Record<Factor, number> = { password: 0, totp: 0 };
  /** What Kite may have counted (see the assumptions). Five would block. */
  readonly pessimistic: Record<Factor, number> = { password: 0, totp: 0 };
  /** The pessimistic count since the last accepted answer, `resume` and change of the configured credentials. */
  readonly sinceReset: Record<Factor, number> = { password: 0, totp: 0 };
  readonly maxPessimistic: Record<Factor, number> = { password: 0, totp: 0 };
  /** Typed and not accepted since the last accepted answer of the factor and the last `resume` (what the ledger counts). */
  readonly notAccepted: Record<Factor, number> = { password: 0, totp: 0 };
  /**
   * Why the account may rightly be stopped, or undefined: since the last `resume`, nothing the
   * rules stop on happened (a rejected, blocked or unseen answer, a kill after the record, a
   * ledger write that failed). With the counts at 0 too, the rules must let it log in.
   */
  dirty: string | undefined;
  blocked = false;
  /** A password typed whose answer the tool never saw; it must not be sent again before `resume` or a change of it. */
  unseenPassword: string | undefined;
  session: KiteSessionRecord | undefined;

  constructor(password: string, totpSecret: string) {
    this.password = password;
    this.totpSecret = totpSecret;
  }

  /** Something the rules may rightly stop the account for happened (the first reason is kept). */
  markDirty(why: string): void {
    this.dirty ??= why;
  }

  /** A login by hand on the web (after the reset with CAPTCHA, if blocked): Kite's counts start again. */
  webLogin(): void {
    this.real.password = 0;
    this.real.totp = 0;
    this.pessimistic.password = 0;
    this.pessimistic.totp = 0;
    this.blocked = false;
  }

  /** `kite-autologin resume` ran (after a web login): the counts the rules allow start again. */
  resumed(): void {
    this.sinceReset.password = 0;
    this.sinceReset.totp = 0;
    this.notAccepted.password = 0;
    this.notAccepted.totp = 0;
    this.unseenPassword = undefined;
    this.dirty = undefined;
  }

  /** The configured credentials changed (after a web login). */
  configChanged(passwordChanged: boolean): void {
    this.sinceReset.password = 0;
    this.sinceReset.totp = 0;
    if (passwordChanged) this.unseenPassword = undefined;
  }

  /** Kite receives a secret and judges it on its own clock (`kiteNow`): its count moves. `report` hears of a broken property. */
  judge(factor: Factor, secret: string, window: number | undefined, kiteNow: number, fault: AnswerFault | undefined, report: (what: string) => void): Verdict {
    if (fault?.kind === 'block') this.blocked = true;
    if (this.blocked) return 'blocked';
    const right = fault?.kind !== 'reject' && (factor === 'password'
      ? secret === this.password
      : window === Math.floor(kiteNow / TOTP_PERIOD_MS) && secret === totpCode(this.totpSecret, kiteNow));
    if (right) {
      this.real[factor] = 0;
      return 'accepted';
    }
    this.real[factor] += 1;
    if (this.real[factor] >= 5) {
      this.blocked = true;
      report(`Kite's own count of wrong ${factor === 'password' ? 'passwords' : 'codes'} reached 5: the account is blocked`);
      return 'blocked';
    }
    return 'rejected';
  }

  /** A secret reached the page (`via` typed it): it may be sent. The safety properties that hold at that moment. */
  typed(via: string, factor: Factor, secret: string, report: (what: string) => void): void {
    if (factor === 'password' && this.unseenPassword !== undefined && this.unseenPassword === secret) {
      report(`${via} sent again a password whose answer was never seen, with no resume or change of the password since`);
    }
    this.pessimistic[factor] += 1;
    this.sinceReset[factor] += 1;
    this.notAccepted[factor] += 1;
    this.maxPessimistic[factor] = Math.max(this.maxPessimistic[factor], this.pessimistic[factor]);
    const what = factor === 'password' ? 'passwords' : 'codes';
    if (this.pessimistic[factor] >= 5) report(`${via}: ${this.pessimistic[factor]} ${what} in a row may have been wrong (Kite blocks at 5)`);
    const limit = factor === 'password' ? 3 : 2;
    if (this.sinceReset[factor] > limit) {
      report(`${via}: ${this.sinceReset[factor]} ${what} not accepted since the last accepted one, resume or change of credentials (the rules allow ${limit})`);
    }
  }

  /** What the tool made of the answer. */
  seen(factor: Factor, kind: AnswerKind, secret: string): void {
    if (kind === 'accepted') {
      this.pessimistic[factor] = 0;
      this.sinceReset[factor] = 0;
      this.notAccepted[factor] = 0;
    }
    if (kind === 'unknown' && factor === 'password') this.unseenPassword = secret;
    if (kind === 'unknown' || kind === 'rejected' || kind === 'blocked') this.markDirty(`a ${factor} answered ${kind}`);
  }
}
