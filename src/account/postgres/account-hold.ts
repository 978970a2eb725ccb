import { AbortedError } from '../../errors/aborted-error.js';
import { LockLostError } from '../../errors/lock-lost-error.js';
import { LockedError } from '../../errors/locked-error.js';
import { SaveError } from '../../errors/save-error.js';
import { StateError } from '../../errors/state-error.js';
import { AccountLedger } from '../../ledger/account-ledger.js';
import { DEFAULT_LOCK_WAIT_MS } from '../../state/lock-staleness.js';
import { carryLegacyHalt } from '../legacy-halt.js';
import type { Account, HeldRecord, HoldOptions } from '../record.js';
import { ensureAccount, type AccountId } from './account-rows.js';
import { holdsAdvisoryLock, releaseAdvisoryLock, takeAdvisoryLock } from './advisory-lock.js';
import { endsSession, failureCode } from './database-failure.js';
import { heldLedgerStore } from './ledger-rows.js';
import type { Pooled, Session } from './pg-connection.js';
import { saveTokenRow } from './token-row.js';

/** The account held, where its record lives (for messages), and the state file of earlier versions to carry a stop from. */
export interface HoldTarget { account: Account; place: string; legacyState?: string | undefined }

/** What a hold needs from its home. */
export interface HoldContext {
  pool: Pooled;
  /** A new connection of its own; rejects with a ConfigError naming DATABASE_URL when it cannot connect. */
  openSession: (purpose: string) => Promise<Session>;
  /** Turns a failure to reach the database before the hold is taken into the error to throw (a ConfigError). */
  unreachable: (error: unknown) => Error;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  monotonic: () => number;
}

/**
 * Runs `work` holding the account: a session-level advisory lock taken on a connection of the
 * hold's own (never a pooled one, which would carry the lock to whoever uses it next), through
 * which every write of the held record goes. A session that dies takes the lock with it, and
 * this connection is never reopened: a host whose session died can record nothing more.
 * Released, and the connection closed, on every path.
 */
export async function holdAccount<T>(context: HoldContext, target: HoldTarget, work: (held: HeldRecord) => Promise<T>, options: HoldOptions = {}): Promise<T> {
  const { account, place } = target;
  const what = `the account ${account.userId.toUpperCase()} (${place})`;
  let id: AccountId;
  try {
    id = await ensureAccount(context.pool, account);
  } catch (error) {
    if (endsSession(error)) throw context.unreachable(error);
    throw new StateError(place, `the account's row cannot be written (${failureCode(error)}); the database user needs INSERT on the tool's tables.`);
  }
  const session = await context.openSession(`hold ${account.userId.toUpperCase()}`);
  try {
    try {
      await takeAdvisoryLock(session, context.pool, id, what, {
        waitMs: options.waitMs ?? DEFAULT_LOCK_WAIT_MS, signal: options.signal, sleep: context.sleep, monotonic: context.monotonic,
      });
    } catch (error) {
      if (options.signal?.aborted === true) throw new AbortedError(`Stopped while waiting for ${what}.`, { cause: error });
      if (error instanceof LockedError) throw error;
      throw context.unreachable(error);
    }
    const held = new HeldAccount(session, id, target, what);
    try {
      return await work(held.record);
    } finally {
      await held.release();
    }
  } finally {
    await session.end();
  }
}

class HeldAccount {
  readonly record: HeldRecord;
  readonly #session: Session;
  readonly #id: AccountId;
  readonly #what: string;
  #released = false;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(session: Session, id: AccountId, target: HoldTarget, what: string) {
    const { account, place } = target;
    this.#session = session;
    this.#id = id;
    this.#what = what;
    const store = heldLedgerStore(session, id, place, () => { this.#assertHeld(); }, (job) => this.#serially(job));
    this.record = {
      openLedger: async (secrets, now) => {
        this.#assertHeld();
        let ledger: AccountLedger;
        let created = false;
        try {
          const found = await AccountLedger.open(store, account, now, { create: false });
          if (found) {
            ledger = found;
          } else {
            ledger = await AccountLedger.open(store, account, now, { create: true }) as AccountLedger;
            created = true;
          }
        } catch (error) {
          this.#throwIfLost(error);
          throw error;
        }
        const prints = await ledger.prints(account, secrets);
        // A new ledger carries over a stop an earlier version left about these same credentials (as a new file ledger does).
        if (created && target.legacyState !== undefined) await carryLegacyHalt(ledger, prints, secrets, account, target.legacyState, now);
        return { ledger, prints };
      },
      recordedLedger: async (now) => {
        this.#assertHeld();
        try {
          return await AccountLedger.open(store, account, now, { create: false });
        } catch (error) {
          this.#throwIfLost(error);
          throw error;
        }
      },
      assertHeld: () => { this.#assertHeld(); },
      confirmHeld: () => this.#confirmHeld(),
      saveToken: async (token) => {
        this.#assertHeld();
        try {
          await this.#serially(() => saveTokenRow(session, id, token));
        } catch (error) {
          this.#throwIfLost(error);
          throw new SaveError(`The token could not be kept in the database (${failureCode(error)}) for ${what}.`, { step: 'save', cause: error });
        }
      },
    };
  }

  /** Gives the lock back after the session's last statement; a failure changes nothing (closing the session releases it too). */
  async release(): Promise<void> {
    this.#released = true;
    if (this.#session.broken !== undefined) return;
    await this.#serially(() => releaseAdvisoryLock(this.#session, this.#id)).catch(() => undefined);
  }

  /** No I/O: what is known here. The connection's 'error' and 'end' events mark it broken. */
  #assertHeld(): void {
    if (this.#released) throw new LockLostError(`The hold on ${this.#what} was already released.`);
    const broken = this.#session.broken;
    if (broken !== undefined) throw new LockLostError(`The database session that held ${this.#what} is gone (${broken}): its lock went with it, and another host may hold the account now.`);
  }

  /** Asks the server whether this session holds the lock now. */
  async #confirmHeld(): Promise<void> {
    this.#assertHeld();
    let held: boolean;
    try {
      held = await this.#serially(() => holdsAdvisoryLock(this.#session, this.#id));
    } catch (error) {
      throw new LockLostError(`Could not confirm the hold on ${this.#what} with the database (${failureCode(error)}).`, { cause: error });
    }
    if (!held) throw new LockLostError(`The database says this session no longer holds ${this.#what}.`);
  }

  /** A failure of a session that is gone is a lost hold, whatever the statement was. */
  #throwIfLost(error: unknown): void {
    if (this.#session.broken === undefined && !endsSession(error)) return;
    throw new LockLostError(`The database session that held ${this.#what} failed (${failureCode(error)}): nothing more is recorded through it.`, { cause: error });
  }

  /** One statement or transaction at a time on the session: two transactions on one connection would interleave. */
  #serially<R>(job: () => Promise<R>): Promise<R> {
    const next = this.#tail.then(job);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
