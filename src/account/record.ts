import type { AccountLedger } from '../ledger/account-ledger.js';
import type { Factor } from '../ledger/records.js';
import type { AutologinState, StateChange } from '../state/autologin-state.js';
import type { SavedToken, TokenRead } from '../token-store.js';

/**
 * Everything the tool keeps about one account, behind one interface: its attempt ledger,
 * its lock, its stop (judged from the ledger), its morning record, its token. Two homes
 * implement it: files (one host; the default) and PostgreSQL (hosts that share accounts).
 * The home is chosen once, from the configuration (open-home.ts); the rest of the tool is
 * handed records and never asks where they live.
 */

/** An account: a Kite Connect app's api_key and the Zerodha user id that logs in to it. */
export interface Account { apiKey: string; userId: string }

/** The secrets a ledger's prints are made of; never stored. */
export interface Secrets { password: string; totpSecret: string }

/** The morning record: the day's run, the last attempt, Kite's clock, the daemon's heartbeat. */
export interface MorningRecord {
  /** Where it lives, for messages. */
  readonly place: string;
  /** A record that cannot be read is an error (StateError), never an empty one. */
  read(): Promise<AutologinState>;
  /** Read, change, write, as one step: writers never undo each other. */
  update(change: StateChange): Promise<AutologinState>;
}

/** How long to wait for another login's hold, and what may stop the wait. */
export interface HoldOptions {
  /** Default 180 s (DEFAULT_LOCK_WAIT_MS). */
  waitMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What a login (or `resume`) may do while it holds the account. */
export interface HeldRecord {
  /**
   * The ledger for writing: the one recorded, or a new one (carrying over a stop an earlier
   * version left about these same credentials), with the prints of the credentials given.
   * Every write goes through the hold: a holder that lost it can record nothing more.
   */
  openLedger(secrets: Secrets, now: Date): Promise<{ ledger: AccountLedger; prints: Record<Factor, string> }>;
  /** The ledger recorded, for writing without the secrets (`resume`, `migrate`); undefined when there is none. */
  recordedLedger(now: Date): Promise<AccountLedger | undefined>;
  /** Throws LockLostError unless the hold is certainly still ours, from what is known here (no I/O). */
  assertHeld(): void;
  /** Asks the keeper of the hold, now, whether it is still ours (right before a submission and the exchange); throws LockLostError if not. */
  confirmHeld(): Promise<void>;
  /** Keeps the morning's token in the record; the token file is written by the caller. */
  saveToken(token: SavedToken): Promise<void>;
}

export interface AccountRecord {
  readonly account: Account;
  /** Which home keeps it. */
  readonly home: 'files' | 'postgres' | 'memory';
  /** Where its ledger lives, for messages: a file, or a database and schema (never a password). */
  readonly place: string;
  readonly morning: MorningRecord;
  /** The ledger as recorded now, read only (no lock, nothing created); undefined when nothing was ever recorded. */
  readLedger(now: Date): Promise<AccountLedger | undefined>;
  /** Does a live login hold the account now (an unanswered submission may then be in flight)? */
  lockHeld(now: Date): Promise<boolean>;
  /**
   * The token the record keeps: with files, nothing beyond the token file (`missing`); with
   * PostgreSQL, the account's row (another host's login included).
   */
  readToken(): Promise<TokenRead>;
  /** Runs `work` holding the account: the only way to write its ledger or its token. */
  hold<T>(work: (held: HeldRecord) => Promise<T>, options?: HoldOptions): Promise<T>;
  /**
   * Tells the programs that listen (Redis, when REDIS_URL is set: the key and a message) about
   * the token the record keeps; a copy that does not land is retried from the record later.
   * Without REDIS_URL there is nothing to tell: `{ configured: false }`.
   */
  announce(token: SavedToken): Promise<AnnounceReport>;
}

/** How an announcement went. */
export type AnnounceReport = { configured: false } | { configured: true; landed: boolean; attempts: number; message?: string | undefined };

/** Where the records of every account live: chosen once per command. */
export interface RecordHome {
  readonly kind: AccountRecord['home'];
  /** `tokenFile` and `stateDir`: the account's own (ACCOUNTS_FILE gives each its token file). */
  record(account: Account, files: { tokenFile: string; stateDir: string }): AccountRecord;
  /**
   * Takes in a ledger kept elsewhere (a host's file, `kite-autologin migrate`), whole: only a
   * home that shares accounts has it. Writes nothing when the account already has a ledger here.
   */
  importLedger?(account: Account, text: string, now?: Date): Promise<{ imported: true; lines: number; place: string } | { imported: false; reason: 'exists'; place: string }>;
  /** Ends its connections (PostgreSQL); a files home has none. */
  close(): Promise<void>;
}
