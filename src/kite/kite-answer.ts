import {
  KiteRejectedError, KiteUnavailableError, OutcomeUnknownError, type AutologinError, type LoginStep,
} from '../errors/index.js';
import type { AnswerKind, Factor } from '../ledger/records.js';

/** What came back for the request that carried a secret. */
export type RawAnswer =
  | { kind: 'response'; status: number; body: string | undefined }
  | { kind: 'failed'; reason: string }
  | { kind: 'none'; waitedMs: number };

export interface ClassifiedAnswer {
  kind: AnswerKind;
  status?: number | undefined;
  /** Thrown for anything but `accepted`. */
  error?: AutologinError | undefined;
}

interface KiteErrorBody { status: 'error'; message: string; error_type?: string; data?: unknown }

/**
 * Kite's own answer decides, not the page's text: 2xx goes on; a body that says the account
 * is blocked is a block, whatever the status; 4xx with Kite's error body is a rejection (of
 * the password or the code, an unknown user); 5xx and 429 are transient (they still count
 * against the budgets: Kite may have counted the secret); no answer, a request that failed or
 * was aborted (a crash, a closed page: the secret may have reached Kite), or a 4xx that is
 * not Kite's, is unknown (it may have been a rejection).
 */
export function classifyAnswer(answer: RawAnswer, factor: Factor): ClassifiedAnswer {
  const step: LoginStep = factor === 'password' ? 'credentials' : 'second-factor';
  const what = factor === 'password' ? 'password' : 'TOTP code';
  if (answer.kind === 'none') {
    return { kind: 'unknown', error: new OutcomeUnknownError(`The ${what} was sent to Kite and no answer came within ${Math.round(answer.waitedMs / 1000)}s. It may have been a rejection, so it counts as one.`, { step }) };
  }
  if (answer.kind === 'failed') {
    return { kind: 'unknown', error: new OutcomeUnknownError(`The ${what} was sent to Kite and its request ended without an answer (${answer.reason}): the browser or the connection went away after it left. It may have been a rejection, so it counts as one.`, { step }) };
  }
  const { status } = answer;
  const body = kiteErrorBody(answer.body);
  if (body && BLOCKED.test(body.message)) {
    return { kind: 'blocked', status, error: new KiteRejectedError('ACCOUNT_BLOCKED', body.message.slice(0, 200), { step, attemptsRemaining: attemptsOf(body) }) };
  }
  if (status === 429 || status >= 500) {
    return { kind: 'transient', status, error: new KiteUnavailableError(`Kite answered the ${what} with HTTP ${status}${body ? `: "${body.message}"` : ''}.`, { step }) };
  }
  if (status >= 200 && status < 300 && !body) return { kind: 'accepted', status };
  if (!body) {
    return { kind: 'unknown', status, error: new OutcomeUnknownError(`Kite answered the ${what} with HTTP ${status} and no Kite error body (a proxy?). It may have been a rejection, so it counts as one.`, { step }) };
  }
  const attempts = attemptsOf(body);
  const message = body.message.slice(0, 200);
  if (factor === 'password' && /not\s+found|no\s+such\s+user|does\s+not\s+exist/i.test(message)) {
    return { kind: 'rejected', status, error: new KiteRejectedError('USER_NOT_FOUND', message, { step, attemptsRemaining: attempts }) };
  }
  const code = factor === 'totp' || body.error_type === 'TwoFAException' ? 'TOTP_REJECTED' : 'CREDENTIALS_REJECTED';
  return { kind: 'rejected', status, error: new KiteRejectedError(code, message, { step, attemptsRemaining: attempts }) };
}

const BLOCKED = /blocked|locked|too\s+many\s+(?:failed\s+)?attempts/i;

function kiteErrorBody(text: string | undefined): KiteErrorBody | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    if (record['status'] !== 'error' || typeof record['message'] !== 'string') return undefined;
    return { status: 'error', message: record['message'], ...(typeof record['error_type'] === 'string' ? { error_type: record['error_type'] } : {}), data: record['data'] };
  } catch {
    return undefined;
  }
}

function attemptsOf(body: KiteErrorBody): number | undefined {
  const data = body.data;
  if (typeof data === 'object' && data !== null) {
    const value = (data as Record<string, unknown>)['attempts_remaining'];
    if (typeof value === 'number') return value;
  }
  const match = /(\d+)\s+attempts?\s+remain/i.exec(body.message);
  return match ? Number(match[1]) : undefined;
}
