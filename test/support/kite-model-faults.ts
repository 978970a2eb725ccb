import { AccountLedger } from '../../src/ledger/account-ledger.js';
import type { AccountRecord } from '../../src/account/record.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';

/**
 * What can go wrong on the way to Kite, one login attempt at a time. A script is consumed by
 * the next login attempt of its account (whichever command makes it); attempts with no
 * script left go cleanly.
 */

/** Before anything is typed. */
export type PageFault =
  /** Chromium does not start, or dies before the login page (nothing typed). */
  | 'launch-crash'
  /** The login page answers 5xx (nothing typed). */
  | 'page-5xx'
  /** The shared browser crashes while this account's login page loads: every context in it dies. */
  | 'page-crash'
  /** The process is killed (SIGKILL, OOM) before the login page. */
  | 'kill';

/** What becomes of one secret (password or code) once the page is at its form. */
export type AnswerFault =
  /** Kite answers after `ms`, within the answer bound. */
  | { kind: 'slow'; ms: number }
  /** HTTP 5xx or 429; `processed`: Kite judged the secret before answering so (its own count moved). */
  | { kind: 'transient'; status: 429 | 500 | 502 | 503 | 504; processed: boolean }
  /** No answer within the bound (STEP_TIMEOUT_SECONDS); `processed`: Kite got it and judged it. */
  | { kind: 'no-answer'; processed: boolean }
  /** Kite processed it, and the connection died before the answer came back. */
  | { kind: 'lost' }
  /** The connection was reset; `processed`: whether Kite had judged it first. */
  | { kind: 'reset'; processed: boolean }
  /** Kite says no whatever was typed (and counts it as wrong). */
  | { kind: 'reject' }
  /** Kite blocks the account now (risk team, attempts from elsewhere) and says so, with this status. */
  | { kind: 'block'; status: 403 | 503 }
  /** Typing fails with the page alive and quiet (a field that went away): nothing left, `notSent`. */
  | { kind: 'type-fails' }
  /**
   * The shared browser crashes right after the submission was recorded, before a key was
   * pressed. Nothing left, but the tool cannot tell (its typing had begun): unknown.
   */
  | { kind: 'crash-before-typing' }
  /** The shared browser crashes after typing, before the request left (Kite never sees it; the tool cannot know). */
  | { kind: 'crash-after-typing' }
  /** The shared browser crashes after the request left (Kite judges it; the answer is lost). */
  | { kind: 'crash-after-sending' }
  /** The process is killed after the submission was recorded, before typing. */
  | { kind: 'kill-before-sending' }
  /** The process is killed after the request left (Kite judges it). */
  | { kind: 'kill-after-sending' };

/** What becomes of the token exchange (see AttemptScript.exchange). */
export type ExchangeFault = 503 | 429 | 'no-answer' | 'lost';

export interface AttemptScript {
  page?: PageFault | undefined;
  /** Kite's responses carry no usable Date header: the tool cannot measure Kite's clock. */
  unmeasured?: boolean | undefined;
  password?: AnswerFault | undefined;
  totp?: AnswerFault | undefined;
  /**
   * The token exchange (POST /session/token) goes wrong: HTTP 503 or 429 (no session is made);
   * `no-answer`: nothing comes back within the SDK's timeout and Kite never made a session;
   * `lost`: Kite made the session (the previous one dies) and its answer never came back.
   */
  exchange?: ExchangeFault | undefined;
}

/** What one write to the attempt ledger does. */
export type LedgerFaultMode =
  /** Fails (EIO), nothing written. */
  | 'fail'
  /** Written, then reported as failed (EIO). */
  | 'fail-landed'
  /** Outlasts the write bound (TIMEOUT) but has landed by the time it is read back. */
  | 'timeout-landed'
  /** Outlasts the write bound and lands later: after the read-back, before the next write. */
  | 'timeout-late';

/** The `nth` write (0-based) of the day through the login's ledger store does `mode`. */
export interface LedgerFault { nth: number; mode: LedgerFaultMode }

/** Does the secret reach the page (where it may be sent) under this fault? */
export function typedBy(fault: AnswerFault | undefined): boolean {
  return fault?.kind !== 'type-fails' && fault?.kind !== 'crash-before-typing' && fault?.kind !== 'kill-before-sending';
}

/**
 * The account's ledger (its home's store: the file, or the database's rows), through which a
 * login writes while faults of the day are still to come: they hit its appends by position.
 * Keeps the store's path. A line that lands late is written right before the next append, or
 * by `flushLate`.
 */
export class FaultyLedgerStore implements LedgerStore {
  readonly path: string;
  readonly #inner: LedgerStore;
  #faults: LedgerFault[] = [];
  #appends = 0;
  #late: string[] = [];
  /** Every fault that fired (`at`: the machine's clock), for the history's report. */
  readonly fired: { nth: number; mode: LedgerFaultMode; at: number }[] = [];
  readonly #now: () => number;
  readonly #onFault: () => void;

  constructor(inner: LedgerStore, now: () => number, onFault: () => void = () => undefined) {
    this.path = inner.path;
    this.#inner = inner;
    this.#now = now;
    this.#onFault = onFault;
  }

  /** A new day: these faults, counted from the day's first write. */
  arm(faults: readonly LedgerFault[]): void {
    this.#faults = [...faults];
    this.#appends = 0;
  }

  /** Are faults still to come today? */
  get armed(): boolean {
    return this.#faults.some((f) => f.nth >= this.#appends);
  }

  read(): Promise<string | undefined> {
    return this.#inner.read();
  }

  create(line: string): Promise<void> {
    return this.#inner.create(line);
  }

  async append(line: string): Promise<void> {
    await this.flushLate();
    return this.#write(line);
  }

  async appendChecked(line: string, check: (text: string) => void): Promise<void> {
    await this.flushLate();
    check((await this.#inner.read()) ?? '');
    return this.#write(line);
  }

  async #write(line: string): Promise<void> {
    const nth = this.#appends;
    this.#appends += 1;
    const fault = this.#faults.find((f) => f.nth === nth);
    if (!fault) return this.#inner.append(line);
    this.fired.push({ nth, mode: fault.mode, at: this.#now() });
    this.#onFault();
    switch (fault.mode) {
      case 'fail':
        throw Object.assign(new Error('simulated I/O error'), { code: 'EIO' });
      case 'fail-landed':
        await this.#inner.append(line);
        throw Object.assign(new Error('simulated I/O error after the write'), { code: 'EIO' });
      case 'timeout-landed':
        await this.#inner.append(line);
        throw Object.assign(new Error('timed out'), { code: 'TIMEOUT' });
      case 'timeout-late':
        this.#late.push(line);
        throw Object.assign(new Error('timed out'), { code: 'TIMEOUT' });
    }
  }

  /** Lines still in flight land now (a slow disk finishes its write). */
  async flushLate(): Promise<void> {
    const late = this.#late;
    this.#late = [];
    for (const line of late) await this.#inner.append(line);
  }
}

/**
 * The account's record with its ledger written through `store` while a login holds it: the
 * real hold, lock and ledger (created, and a legacy stop carried over, by the home itself),
 * only the writes pass through the faults.
 */
export function withFaultyLedger(record: AccountRecord, store: FaultyLedgerStore): AccountRecord {
  return {
    ...record,
    hold: (work, options) => record.hold((held) => work({
      ...held,
      openLedger: async (secrets, now) => {
        const { prints } = await held.openLedger(secrets, now);
        const ledger = await AccountLedger.open(store, record.account, now, { create: false });
        if (!ledger) throw new Error(`the home did not start the ledger ${store.path}`);
        return { ledger, prints };
      },
    }), options),
  };
}
