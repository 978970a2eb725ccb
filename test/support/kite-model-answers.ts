import type { LoginConfig } from '../../src/config/index.js';
import { KiteUnavailableError, OutcomeUnknownError, PageError, type LoginStep } from '../../src/errors/index.js';
import { classifyAnswer, type RawAnswer } from '../../src/kite/kite-answer.js';
import type { KiteClock } from '../../src/kite/kite-clock.js';
import type { SubmissionTicket } from '../../src/kite/submit-secret.js';
import type { AnswerKind, Factor } from '../../src/ledger/records.js';
import type { LoginDeps } from '../../src/login/login-once.js';
import { browserGone, type BrowserModel, type PageContext } from './kite-model-browser.js';
import type { AnswerFault, AttemptScript } from './kite-model-faults.js';
import type { KiteUser, ModelAccount, Verdict } from './kite-model-user.js';
import type { FakeMachine } from './year-daemon.js';

/*
 * Kite's answers to one secret, for the attempt rules' property tests: the gate used exactly
 * as the real flow (src/kite/submit-secret.ts) uses it: `gate.open` before the secret is
 * typed; `notSent()` only when typing failed with the page alive and nothing sent; once typing
 * began, every end but an HTTP answer is `unknown` (`settle('unknown')`, OutcomeUnknownError);
 * Kite's HTTP answers are classified by the real classifyAnswer and thrown as the same typed
 * errors. Before typing, the account's ledger must hold a new unanswered record of it.
 */

/** One secret that reached a page, and what became of it. */
export interface ModelSubmission {
  account: number;
  via: string;
  factor: Factor;
  machineAt: number;
  fault: AnswerFault['kind'] | 'none';
  /** Kite received and judged it. */
  processed: boolean;
  /** What the tool made of the answer (`killed`: nothing). */
  seen: AnswerKind | 'not-sent' | 'killed' | 'pending';
}

/** One login attempt on its way through the pages. */
export interface Flow {
  account: number;
  via: string;
  config: LoginConfig;
  deps: LoginDeps;
  script: AttemptScript;
  page: PageContext;
  clock: KiteClock;
  /** A response from Kite's login host arrived: its Date header (if any) is seen. */
  dated: (sentAt: number) => void;
}

export interface AnswerDeps {
  machine: FakeMachine;
  /** Kite's clock (the true time), epoch ms. */
  kiteNow: () => number;
  user: (account: number) => KiteUser;
  account: (account: number) => ModelAccount | undefined;
  browser: BrowserModel;
  /** Every secret that reached a page is added here. */
  submissions: ModelSubmission[];
  /** The process dies now (every task of it). */
  kill: () => never;
  violation: (account: number, what: string) => void;
}

const BODY = {
  accepted: '{"status":"success","data":{"user_id":"X","request_id":"r","twofa_type":"totp"}}',
  passwordRejected: (left: number) => JSON.stringify({ status: 'error', message: `Invalid username or password. ${left} attempts remain`, data: { attempts_remaining: left }, error_type: 'InputException' }),
  totpRejected: '{"status":"error","message":"Invalid TOTP","error_type":"TwoFAException"}',
  blocked: '{"status":"error","message":"Your account has been blocked after too many failed attempts. Reset it on kite.zerodha.com.","error_type":"InputException"}',
};

/** One secret, as submitSecret sends it. */
export async function postSecret(deps: AnswerDeps, flow: Flow, factor: Factor, secret: string, window: number | undefined): Promise<void> {
  const { page, clock, account } = flow;
  const step: LoginStep = factor === 'password' ? 'credentials' : 'second-factor';
  const what = factor === 'password' ? 'password' : 'TOTP code';
  const sleep = flow.deps.sleep ?? deps.machine.sleep;
  const user = deps.user(account);
  if (page.crashed) throw browserGone(step); // another account's crash: nothing recorded, nothing typed
  const ledger = deps.account(account);
  const before = await ledger?.unanswered() ?? new Set<string>();
  const ticket = await flow.deps.gate.open(factor, { kiteNow: clock.now(), clockMeasured: clock.measured, ...(window === undefined ? {} : { window }) });
  await checkRecorded(deps, flow, factor, ledger, before);
  const fault = flow.script[factor];
  const log: ModelSubmission = { account, via: flow.via, factor, machineAt: deps.machine.wall, fault: fault?.kind ?? 'none', processed: false, seen: 'pending' };

  if (fault?.kind === 'kill-before-sending') {
    user.markDirty('killed after a submission was recorded');
    deps.kill();
  }
  if (fault?.kind === 'type-fails') {
    log.seen = 'not-sent';
    deps.submissions.push(log);
    await ticket.notSent();
    throw new PageError('PAGE_UNRECOGNISED', `The ${what} field could not be filled (simulated); nothing left the browser.`, { step });
  }
  if (fault?.kind === 'crash-before-typing') {
    // The browser died once typing had begun: the tool cannot tell that nothing left.
    deps.browser.crash();
    user.markDirty(`the browser crashed under a ${factor} submission`);
    log.seen = 'unknown';
    deps.submissions.push(log);
    return unknown(user, ticket, factor, what, step, undefined);
  }

  // Typed: from here on the secret may leave the page.
  deps.submissions.push(log);
  user.typed(flow.via, factor, secret, (broken) => { deps.violation(account, broken); });
  if (fault?.kind === 'crash-after-typing') {
    deps.browser.crash();
    log.seen = 'unknown';
    return unknown(user, ticket, factor, what, step, secret);
  }

  // The request leaves; Kite may judge it.
  const processed = fault === undefined || !('processed' in fault) || fault.processed;
  const sentAt = deps.machine.wall;
  const judged = processed ? user.judge(factor, secret, window, deps.kiteNow(), fault, (broken) => { deps.violation(account, broken); }) : undefined;
  log.processed = processed;
  if (fault?.kind === 'kill-after-sending') {
    log.seen = 'killed';
    user.markDirty(`killed with a ${factor} in flight`);
    if (factor === 'password') user.unseenPassword = secret;
    deps.kill();
  }
  if (fault?.kind === 'crash-after-sending') deps.browser.crash();
  try {
    if (fault?.kind === 'slow') await sleep(fault.ms, flow.deps.signal);
    if (fault?.kind === 'no-answer') await sleep(flow.config.stepTimeoutMs, flow.deps.signal);
  } catch (error) {
    // Killed while the answer was awaited: nothing is settled.
    log.seen = 'killed';
    user.markDirty(`killed with a ${factor} in flight`);
    if (factor === 'password') user.unseenPassword = secret;
    throw error;
  }
  const raw = rawAnswer(flow, user, fault, judged, factor);
  if (raw.kind === 'response') flow.dated(sentAt);
  const classified = classifyAnswer(raw, factor);
  log.seen = classified.kind;
  user.seen(factor, classified.kind, secret);
  if (classified.kind === 'accepted') {
    await ticket.settle('accepted', { status: classified.status });
    return;
  }
  await ticket.settle(classified.kind, { code: classified.error?.code, status: classified.status });
  throw classified.error ?? new KiteUnavailableError(`Kite did not accept the ${what}.`, { step });
}

/** What came back for the request, as the page's answer watch would see it. */
function rawAnswer(flow: Flow, user: KiteUser, fault: AnswerFault | undefined, judged: Verdict | undefined, factor: Factor): RawAnswer {
  if (flow.page.crashed) return { kind: 'failed', reason: 'net::ERR_FAILED (the browser crashed)' };
  switch (fault?.kind) {
    case 'no-answer': return { kind: 'none', waitedMs: flow.config.stepTimeoutMs };
    case 'lost':
    case 'reset': return { kind: 'failed', reason: 'net::ERR_CONNECTION_RESET' };
    case 'transient': return { kind: 'response', status: fault.status, body: undefined };
    case 'block': return { kind: 'response', status: fault.status, body: BODY.blocked };
    default: break;
  }
  switch (judged) {
    case 'accepted': return { kind: 'response', status: 200, body: BODY.accepted };
    case 'blocked': return { kind: 'response', status: 403, body: BODY.blocked };
    default: return { kind: 'response', status: 400, body: factor === 'password' ? BODY.passwordRejected(Math.max(0, 5 - user.real.password)) : BODY.totpRejected };
  }
}

/** The browser died with the secret typed (or being typed): unknown, as submitSecret settles it. */
async function unknown(user: KiteUser, ticket: SubmissionTicket, factor: Factor, what: string, step: LoginStep, typed: string | undefined): Promise<never> {
  if (typed !== undefined && factor === 'password') user.unseenPassword = typed;
  user.markDirty(`the browser crashed under a ${factor} submission`);
  await ticket.settle('unknown', { code: 'SUBMISSION_UNKNOWN' });
  throw new OutcomeUnknownError(`The ${what} may have been sent to Kite and no answer was seen (the browser crashed). It may have been a rejection, so it counts as one.`, { step });
}

/** The submission must be committed (its record durable, with no answer yet) before the secret is typed. */
async function checkRecorded(deps: AnswerDeps, flow: Flow, factor: Factor, ledger: ModelAccount | undefined, before: Set<string>): Promise<void> {
  const after = await ledger?.unanswered(factor) ?? new Set<string>();
  if (![...after].some((id) => !before.has(id))) {
    deps.violation(flow.account, `${flow.via}: a ${factor} submission was about to be typed with no new unanswered record of it in ${ledger?.ledgerPlace ?? ''}`);
  }
}
