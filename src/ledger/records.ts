import { isErrorCode, type ErrorCode } from '../errors/error-code.js';

/**
 * The attempt ledger's lines. One JSON object per line, appended and fsynced; never
 * rewritten. Nothing here is a secret: credentials appear only as salted slow hashes
 * ("prints") that tell "the same as then" from "changed".
 */
export type Factor = 'password' | 'totp';

/** What Kite's answer to one submission meant. `unknown`: no answer seen (timeout, crash). */
export type AnswerKind = 'accepted' | 'rejected' | 'blocked' | 'transient' | 'unknown';

/**
 * How a submission ended, as recorded: Kite's answer, or `not-sent`: the record was written
 * but the secret was never typed anywhere a page could send it (a refusal, a failure before
 * typing, a record write that timed out and was then found to have landed).
 */
export type OutcomeKind = AnswerKind | 'not-sent';

export const OUTCOME_KINDS: readonly OutcomeKind[] = ['accepted', 'rejected', 'blocked', 'transient', 'unknown', 'not-sent'];

/** First line: whose ledger this is, and the salt of its prints. */
export interface HeaderRecord { v: 1; type: 'header'; apiKey: string; userId: string; salt: string; at: string }

/** Written and fsynced before a secret is typed where it may be submitted. */
export interface SubmitRecord {
  v: 1;
  type: 'submit';
  id: string;
  factor: Factor;
  /** This machine's clock. */
  at: string;
  /** The IST day of the submission on Kite's clock (as well as it is known). */
  day: string;
  /** Salted hash of the credential submitted (password: api_key, user id and password). */
  print: string;
  /** TOTP only: the 30 s window (on Kite's clock) the code belongs to. */
  window?: number | undefined;
  /** What submitted: `login`, `run`, `daemon`... */
  via: string;
  pid: number;
}

/** Written once Kite's answer was read (or its absence established). */
export interface OutcomeRecord {
  v: 1;
  type: 'outcome';
  id: string;
  at: string;
  outcome: OutcomeKind;
  /** Our error code for a refusal (CREDENTIALS_REJECTED, TOTP_REJECTED...). */
  code?: ErrorCode | undefined;
  /** The HTTP status of Kite's answer, when there was one. */
  status?: number | undefined;
}

/** `kite-autologin resume`: clears stops and starts the counts again (a person checked the account on Kite). */
export interface ResumeRecord { v: 1; type: 'resume'; at: string; via: string }

/** A stop carried over from before the ledger existed (the old state file's halt). */
export interface StopRecord { v: 1; type: 'stop'; at: string; code: ErrorCode; factor: Factor; print: string; note: string }

export type LedgerRecord = HeaderRecord | SubmitRecord | OutcomeRecord | ResumeRecord | StopRecord;

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isDay = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isFactor = (v: unknown): v is Factor => v === 'password' || v === 'totp';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const optional = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || check(v);

/**
 * One line to a record, or a description of what is wrong with it (never the line itself:
 * a damaged file could hold anything).
 */
export function parseRecord(line: string): LedgerRecord | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { problem: 'is not a JSON object' };
  const r = value as Record<string, unknown>;
  if (r['v'] !== 1) return { problem: 'has an unknown version' };
  const ok = (() => {
    switch (r['type']) {
      case 'header': return isString(r['apiKey']) && isString(r['userId']) && isString(r['salt']) && isTime(r['at']);
      case 'submit': return isString(r['id']) && isFactor(r['factor']) && isTime(r['at']) && isDay(r['day']) && isString(r['print']) &&
        optional(r['window'], isInt) && isString(r['via']) && isInt(r['pid']);
      case 'outcome': return isString(r['id']) && isTime(r['at']) && (OUTCOME_KINDS as readonly unknown[]).includes(r['outcome']) &&
        optional(r['code'], isErrorCode) && optional(r['status'], isInt);
      case 'resume': return isTime(r['at']) && isString(r['via']);
      case 'stop': return isTime(r['at']) && isErrorCode(r['code']) && isFactor(r['factor']) && isString(r['print']) && typeof r['note'] === 'string';
      default: return false;
    }
  })();
  return ok ? (value as LedgerRecord) : { problem: `is not a valid ${typeof r['type'] === 'string' ? r['type'].slice(0, 20) : 'ledger'} record` };
}
