import { createHash, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { promisify } from 'node:util';
import type { ErrorCode } from '../errors/error-code.js';
import { StateError } from '../errors/state-error.js';
import { judge, submissionsOf, type Submission, type Verdict } from './attempt-rules.js';
import type { LedgerStore } from './ledger-store.js';
import { parseRecord, type Factor, type LedgerRecord, type OutcomeKind, type SubmitRecord } from './records.js';

/** How long one write to the ledger may take before it is given up on (a slow disk or store). Default. */
export const DEFAULT_WRITE_BOUND_MS = 10_000;

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number }) => Promise<Buffer>;

export interface Account { apiKey: string; userId: string }

/**
 * scrypt is slow on purpose; the daemon asks for the same prints every beat, for every
 * account. Kept for the process's life, keyed by a SHA-256 of salt and material (never the
 * material itself): one entry per account and credentials.
 */
const printsMade = new Map<string, Promise<string>>();

/** The secrets a print is made of; never stored. */
export interface Secrets { password: string; totpSecret: string }

const WHAT_TO_DO = 'kite-autologin will not log in while it cannot read its record of what was submitted to Kite '
  + '(five wrong attempts block the account). Fix the file\'s permissions or the disk; if the file is damaged, check on '
  + 'kite.zerodha.com that the account is not blocked, move the file aside, and run again.';

/**
 * One account's attempt ledger: every password and TOTP submission, appended and fsynced
 * before the secret is typed, and Kite's answer to it. Read whole and validated on open; a
 * ledger that cannot be read, parsed or written stops the tool (StateError, exit 2) and is
 * never overwritten.
 */
export class AccountLedger {
  #records: LedgerRecord[];
  readonly #salt: Buffer;
  readonly #store: LedgerStore;
  /** The bound on each write (a slow disk or store must not hold a login forever). */
  writeBoundMs = DEFAULT_WRITE_BOUND_MS;

  private constructor(store: LedgerStore, records: LedgerRecord[], salt: Buffer) {
    this.#store = store;
    this.#records = records;
    this.#salt = salt;
  }

  get path(): string {
    return this.#store.path;
  }

  get records(): readonly LedgerRecord[] {
    return this.#records;
  }

  /** Reads the ledger; with `create`, starts one when there is none. Undefined: none, and not created. */
  static async open(store: LedgerStore, account: Account, now: Date, options: { create: boolean }): Promise<AccountLedger | undefined> {
    let text: string | undefined;
    try {
      text = await store.read();
    } catch (error) {
      throw new StateError(store.path, `the attempt ledger cannot be read (${codeOf(error)}). ${WHAT_TO_DO}`);
    }
    if (text === undefined) {
      if (!options.create) return undefined;
      const header = { v: 1 as const, type: 'header' as const, apiKey: account.apiKey, userId: account.userId.toUpperCase(), salt: randomBytes(16).toString('hex'), at: now.toISOString() };
      try {
        await store.create(`${JSON.stringify(header)}\n`);
      } catch (error) {
        if (codeOf(error) === 'EEXIST') return AccountLedger.open(store, account, now, options);
        throw new StateError(store.path, `the attempt ledger cannot be created (${codeOf(error)}); make its folder writable by this user (STATE_DIR).`);
      }
      return new AccountLedger(store, [header], Buffer.from(header.salt, 'hex'));
    }
    const records = parseLedger(store.path, text);
    const header = records[0];
    if (header?.type !== 'header') throw new StateError(store.path, `the attempt ledger does not start with its header. ${WHAT_TO_DO}`);
    if (header.apiKey !== account.apiKey || header.userId !== account.userId.toUpperCase()) {
      throw new StateError(store.path, `the attempt ledger belongs to another account (${header.userId}). ${WHAT_TO_DO}`);
    }
    return new AccountLedger(store, records, Buffer.from(header.salt, 'hex'));
  }

  /** Salted slow hashes of the configured credentials (to notice a change, never to recover them). */
  async prints(account: Account, secrets: Secrets): Promise<Record<Factor, string>> {
    const make = (material: unknown[]): Promise<string> => {
      const text = JSON.stringify(material);
      const key = createHash('sha256').update(this.#salt).update(text).digest('hex');
      let made = printsMade.get(key);
      if (!made) {
        made = scrypt(text, this.#salt, 24, { N: 4096 }).then((hash) => hash.toString('hex'));
        made.catch(() => printsMade.delete(key)); // a failure is not remembered
        printsMade.set(key, made);
      }
      return made;
    };
    const [password, totp] = await Promise.all([
      make(['password', account.apiKey, account.userId.toUpperCase(), secrets.password]),
      make(['totp', account.apiKey, account.userId.toUpperCase(), secrets.totpSecret]),
    ]);
    return { password, totp };
  }

  /** The rules on these records; `prints` undefined: read without the secrets (every print is taken as today's). */
  judge(prints: Record<Factor, string> | undefined, settled: boolean): Verdict {
    return judge({ records: this.#records, prints, settled });
  }

  /** Every submission with its answer (`pending` when none is recorded). */
  submissions(): Submission[] {
    return submissionsOf(this.#records, false);
  }

  /**
   * Appends and fsyncs a submission; throws StateError (and nothing may be submitted) when it
   * cannot. A write that fails or outlasts its bound may still have landed, or land later (a
   * slow disk keeps writing): the store is read back to find out, and the submission is settled
   * under the same id as `not-sent` (an answer with no submission is ignored, so it is
   * written whether the submission has landed yet or not): a record that lands late must not
   * read as a secret sent and never answered, which would stop the account.
   */
  async recordSubmission(fields: Omit<SubmitRecord, 'v' | 'type' | 'id'>, check?: (records: readonly LedgerRecord[]) => void): Promise<string> {
    const record: SubmitRecord = { v: 1, type: 'submit', id: randomBytes(8).toString('hex'), ...fields };
    try {
      await this.#appendChecked(record, check);
    } catch (error) {
      if (!(error instanceof StateError)) throw error; // the check refused: nothing was written
      const landed = await this.#landed(record.id);
      await this.recordAnswer(record.id, new Date(Date.parse(fields.at) || Date.now()), 'not-sent').catch(() => undefined);
      if (landed) {
        throw new StateError(this.#store.path, `a submission was recorded too slowly (the write outlasted ${Math.round(this.writeBoundMs / 1000)}s or failed), so it was not made; it is recorded as not sent. Check the disk.`);
      }
      throw error;
    }
    return record.id;
  }

  /** Did a line with this submission id reach the store? False when it cannot be read either. */
  async #landed(id: string): Promise<boolean> {
    const text = await bounded(this.#store.read(), this.writeBoundMs).catch(() => undefined);
    return text?.includes(`"id":"${id}"`) ?? false;
  }

  async recordAnswer(id: string, at: Date, outcome: OutcomeKind, detail: { code?: ErrorCode | undefined; status?: number | undefined } = {}): Promise<void> {
    await this.#append({ v: 1, type: 'outcome', id, at: at.toISOString(), outcome, ...(detail.code ? { code: detail.code } : {}), ...(detail.status ? { status: detail.status } : {}) },
      'Kite\'s answer could not be recorded (it will read as unknown, which stops the account)');
  }

  /**
   * Under the account's lock, a submission without an answer belongs to a process that died
   * (or lost the lock) after sending it: it is recorded as unknown, so that every reader,
   * with or without the lock, sees the same stop.
   */
  async settleOrphans(at: Date): Promise<number> {
    const orphans = this.submissions().filter((s) => s.outcome === 'pending');
    for (const orphan of orphans) await this.recordAnswer(orphan.id, at, 'unknown', { code: 'SUBMISSION_UNKNOWN' });
    return orphans.length;
  }

  async recordResume(at: Date, via: string): Promise<void> {
    await this.#append({ v: 1, type: 'resume', at: at.toISOString(), via }, 'the resume could not be recorded');
  }

  async recordStop(fields: { at: Date; code: ErrorCode; factor: Factor; print: string; note: string }): Promise<void> {
    await this.#append({ v: 1, type: 'stop', ...fields, at: fields.at.toISOString() }, 'a stop could not be recorded');
  }

  /**
   * The submission, appended only if `check` passes on the ledger as the store holds it in the
   * same step (a database: one transaction). A refusal is thrown as it is; a store that fails
   * is a StateError, and nothing may be submitted.
   */
  async #appendChecked(record: SubmitRecord, check: ((records: readonly LedgerRecord[]) => void) | undefined): Promise<void> {
    let refusal: Error | undefined;
    let fresh: LedgerRecord[] | undefined;
    const line = `${JSON.stringify(record)}\n`;
    try {
      await bounded(this.#store.appendChecked(line, (text) => {
        fresh = text === '' ? this.#records : parseLedger(this.#store.path, text);
        try {
          check?.(fresh);
        } catch (error) {
          refusal = error instanceof Error ? error : new Error(String(error));
          throw refusal;
        }
      }), this.writeBoundMs);
    } catch (error) {
      if (refusal !== undefined) throw refusal;
      if (error instanceof StateError) throw error;
      throw new StateError(this.#store.path, `a submission could not be recorded, so it was not made (${codeOf(error)}): check the disk and the folder's permissions.`);
    }
    this.#records = [...(fresh ?? this.#records), record];
  }

  async #append(record: LedgerRecord, what: string): Promise<void> {
    try {
      await bounded(this.#store.append(`${JSON.stringify(record)}\n`), this.writeBoundMs);
    } catch (error) {
      throw new StateError(this.#store.path, `${what} (${codeOf(error)}): check the disk and the folder's permissions.`);
    }
    this.#records = [...this.#records, record];
  }
}

/** The write or read, or a TIMEOUT failure once `ms` have passed (the operation itself may still finish). */
function bounded<T>(operation: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}

function parseLedger(path: string, text: string): LedgerRecord[] {
  if (text.length === 0) throw new StateError(path, `the attempt ledger is empty. ${WHAT_TO_DO}`);
  if (!text.endsWith('\n')) throw new StateError(path, `the attempt ledger's last line is incomplete (a write was cut short). ${WHAT_TO_DO}`);
  const lines = text.slice(0, -1).split('\n');
  return lines.map((line, index) => {
    const parsed = parseRecord(line);
    if ('problem' in parsed) throw new StateError(path, `line ${index + 1} of the attempt ledger ${parsed.problem}. ${WHAT_TO_DO}`);
    return parsed;
  });
}

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'I/O error';
}
