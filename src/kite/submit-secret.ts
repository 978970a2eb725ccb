import type { Page } from 'playwright';
import {
  BrowserError, describeUnexpected, isAutologinError, KiteRejectedError, KiteUnavailableError, OutcomeUnknownError, PageError,
  type AutologinError, type ErrorCode, type LoginStep,
} from '../errors/index.js';
import type { AnswerKind, Factor } from '../ledger/records.js';
import type { Logger } from '../logger.js';
import { abortedBy, raceAbort } from './attempt-deadline.js';
import { within } from './bounded.js';
import { watchAnswer, type AnswerWatch } from './answer-watch.js';
import { saveDiagnostics } from './diagnostics.js';
import { classifyAnswer } from './kite-answer.js';
import { errorFromKiteMessage } from './kite-messages.js';
import { CoveredWhileTyping, type Acted } from './page-actions.js';
import { observe, waitForChange } from './page-view.js';
import { recognise } from './screen.js';
import { sealPage } from './seal-page.js';
import { watchTraffic, type Traffic } from './traffic-watch.js';

/** Told of each secret right before the page may send it to Kite, and of Kite's answer. */
export interface SubmissionGate {
  /**
   * Throws to refuse (nothing is typed then). `kiteNow` is Kite's time as measured;
   * `window` the TOTP window of the code about to be typed.
   */
  open(factor: Factor, context: { kiteNow: number; window?: number; clockMeasured: boolean }): Promise<SubmissionTicket>;
  /** A code of this window or an earlier one must not be sent (the last failed code's window). */
  totpWindowFloor(): number | undefined;
  /** Stops the account before anything is typed (Kite asks for a factor this tool does not answer); `note` says why. */
  recordStop(factor: Factor, code: ErrorCode, note: string): Promise<void>;
}

export interface SubmissionTicket {
  /** Records Kite's answer. Never throws for an answer that is already an error to report. */
  settle(answer: AnswerKind, detail: { code?: ErrorCode | undefined; status?: number | undefined }): Promise<void>;
  /** Nothing of the secret left the page: the submission counts nowhere. */
  notSent(): Promise<void>;
}

/** What the flow does to send one secret; every call is bounded. */
export interface SecretSend {
  /** Types what goes with the secret and is no secret (the user id) where it is not held yet, before the secret is typed. */
  prepare?(): Promise<void>;
  /** Types the secret (first: true), or checks it is still there and types it again if not. */
  type(watch: AnswerWatch, first: boolean): Promise<void>;
  /** Presses submit: done, or the screen must be looked at again first. */
  press(): Promise<Acted>;
  /** Looks at the screen again and deals with what covers the form; false when nothing can be done. */
  clearCover(): Promise<boolean>;
}

export interface SubmitContext {
  page: Page;
  factor: Factor;
  secret: string;
  gate: SubmissionGate;
  /** Kite's time now, and whether its clock was measured. */
  kiteNow: number;
  clockMeasured: boolean;
  /** TOTP: the 30 s window of the code. */
  window?: number | undefined;
  /** TOTP: is the code still right to type now (its window not about to end)? Asked before each typing. */
  fresh?: (() => boolean) | undefined;
  /** The bound on Kite's answer (STEP_TIMEOUT_SECONDS). */
  answerMs: number;
  /** The page has opened a WebSocket (since it loaded): its frames are not watched, so it may have sent anything. */
  socketOpened: () => boolean;
  diagnosticsDir: string;
  signal: AbortSignal | undefined;
  now: () => number;
  logger?: Logger | undefined;
}

/** Times a covered or unresponsive submit control is looked at again, at most (and no longer than the step's bound). */
const MAX_COVERS = 8;
/** Closing the page to end what it may still send (a typing call abandoned at its bound goes on inside Playwright). */
const SEAL_MS = 5_000;

/**
 * One secret to Kite, as the ledger needs it: the gate records the submission first (and may
 * refuse), then the secret is typed and submitted, then Kite's answer to the page's own
 * request decides. Once the secret may have left (it was typed: a page may send as you type),
 * every end but an HTTP answer received is `unknown`: a crash, a closed page, an aborted
 * request, the attempt's deadline. It is `not-sent` only when nothing was typed (the page was
 * gone, the attempt over), or when the page was alive, then closed, and sent no request at all
 * from the typing until it closed. The gate is told in every
 * case. Returns with the ticket still to settle once the next screen is known (see `accept`).
 */
export async function submitSecret(ctx: SubmitContext, send: SecretSend): Promise<{ status: number | undefined; ticket: SubmissionTicket; body: string | undefined }> {
  const step: LoginStep = ctx.factor === 'password' ? 'credentials' : 'second-factor';
  const what = ctx.factor === 'password' ? 'password' : 'TOTP code';
  if (ctx.signal?.aborted) throw abortedBy(ctx.signal, step);
  const ticket = await ctx.gate.open(ctx.factor, { kiteNow: ctx.kiteNow, clockMeasured: ctx.clockMeasured, ...(ctx.window === undefined ? {} : { window: ctx.window }) });
  const watch = watchAnswer(ctx.page, ctx.secret, ctx.answerMs);
  const traffic = watchTraffic(ctx.page, ctx.socketOpened);
  let typed = false;
  try {
    let failure: unknown;
    try {
      // Everything the page's context may start from the typing on is seen (a bound: if not, nothing will be "not sent").
      await within(traffic.ready(), SEAL_MS, 'watching the page\'s targets').catch(() => false);
      watch.start();
      const until = ctx.now() + ctx.answerMs;
      for (let round = 0; ; round += 1) {
        // Nothing is typed once the attempt is over, nor into a page that is gone (the gate's write, or the TOTP wait, may have been long).
        if (ctx.signal?.aborted) throw abortedBy(ctx.signal, step);
        // The page sent it while the screen was looked at (at the last digit of typing given up): never typed again.
        if (round > 0 && watch.sent()) break;
        if (!typed && !traffic.alive()) throw new BrowserError('BROWSER_FAILED', `The page was gone before the ${what} was typed; nothing was sent.`, { step });
        if (ctx.fresh?.() === false) throw new BrowserError('BROWSER_FAILED', `The ${what}'s 30 s window was about to end before it could be typed (a slow ledger write or page); it was not ${typed ? 'typed again' : 'typed'}, as an expired code counts as a wrong one.`, { step });
        // A cover that came while typing (a dialog at the first key) is looked at like one over the submit control.
        const unlessCovered = (error: unknown): boolean => {
          if (error instanceof CoveredWhileTyping) return false;
          throw error;
        };
        // What goes with the secret (the user id) is typed before it: no part of the secret's submission.
        const prepared = send.prepare ? await raceAbort(send.prepare(), ctx.signal, step).then(() => true, unlessCovered) : true;
        if (prepared) {
          typed = true;
          traffic.arm();
        }
        const typedAll = prepared && await raceAbort(send.type(watch, round === 0), ctx.signal, step).then(() => true, unlessCovered);
        if (watch.sent()) break;
        const acted = typedAll ? await raceAbort(send.press(), ctx.signal, step) : 'covered';
        if (acted === 'done' || watch.sent()) break;
        ctx.logger?.info({ step, acted }, 'the submit control was covered or did not respond: looking at the screen again');
        if (round + 1 >= MAX_COVERS || ctx.now() >= until || !(await raceAbort(send.clearCover(), ctx.signal, step))) {
          throw new PageError('PAGE_UNRECOGNISED', `The ${what} could not be submitted: the control stayed covered or did not respond after ${round + 1} looks.`, { step });
        }
      }
    } catch (error) {
      failure = error;
    }
    if (failure !== undefined && !watch.sent()) throw await settleUnsent(ctx, ticket, typed, traffic, what, step, failure);
    const raw = await raceAbort(watch.answer(), ctx.signal, step).catch(async (error: unknown) => {
      await ticket.settle('unknown', { code: 'SUBMISSION_UNKNOWN' });
      throw inFlightError(error, what, step);
    });
    if (raw.kind === 'none' && !watch.sent() && await nothingLeft(ctx, traffic, what, step) === undefined) {
      // Submitted, and the page sent nothing at all before it was closed: the secret never left.
      await ticket.notSent();
      throw new PageError('PAGE_UNRECOGNISED', `The page did not send the ${what} after it was submitted (no request within ${Math.round(ctx.answerMs / 1000)}s); nothing left the browser.`, { step });
    }
    const classified = classifyAnswer(raw, ctx.factor);
    ctx.logger?.debug({ step, answer: classified.kind, status: classified.status }, 'Kite answered');
    if (classified.kind === 'accepted') return { status: classified.status, ticket, body: raw.kind === 'response' ? raw.body : undefined };

    const shown = classified.kind === 'transient' || classified.kind === 'unknown' ? await pageRejection(ctx, step) : undefined;
    let error: AutologinError | undefined = shown ?? classified.error;
    if (error instanceof OutcomeUnknownError) error = error.withDiagnostics(await saveDiagnostics(ctx.page, ctx.diagnosticsDir, step, new Date(ctx.now())));
    const kind: AnswerKind = shown ? (shown.code === 'ACCOUNT_BLOCKED' ? 'blocked' : 'rejected') : classified.kind;
    await ticket.settle(kind, { code: error?.code, status: classified.status });
    throw error ?? new KiteUnavailableError(`Kite did not accept the ${what}.`, { step });
  } finally {
    watch.dispose();
    traffic.dispose();
  }
}

/**
 * After Kite accepted a secret: the next screen decides what is recorded. A rejection the page
 * shows outweighs the answer; anything else (a page problem after) is still an accepted one.
 */
export async function accept(ticket: SubmissionTicket, status: number | undefined, step: LoginStep, next: () => Promise<{ kind: string; message?: string }>): Promise<void> {
  let state: { kind: string; message?: string };
  try {
    state = await next();
  } catch (error) {
    await ticket.settle('accepted', { status });
    throw error;
  }
  if (state.kind === 'error' && state.message !== undefined) {
    const shown = errorFromKiteMessage(state.message, step);
    const rejected = shown instanceof KiteRejectedError;
    await ticket.settle(rejected ? (shown.code === 'ACCOUNT_BLOCKED' ? 'blocked' : 'rejected') : 'accepted', { code: shown.code, status });
    throw shown;
  }
  await ticket.settle('accepted', { status });
}

/** The send failed before any request carried the secret: not sent only when that is certain. Returns what to throw. */
async function settleUnsent(ctx: SubmitContext, ticket: SubmissionTicket, typed: boolean, traffic: Traffic, what: string, step: LoginStep, failure: unknown): Promise<Error> {
  if (!typed || await nothingLeft(ctx, traffic, what, step) === undefined) {
    await ticket.notSent();
    return failure instanceof Error ? failure : new Error(String(failure));
  }
  await ticket.settle('unknown', { code: 'SUBMISSION_UNKNOWN' });
  return inFlightError(failure, what, step);
}

/**
 * Whatever ended a submission whose secret may have left is an unknown answer (exit 3): the
 * deadline, a crash, a closed page. A shutdown (Ctrl-C, SIGTERM) stays a shutdown (exit 130);
 * the ledger holds the unknown answer either way.
 */
function inFlightError(error: unknown, what: string, step: LoginStep): Error {
  if (isAutologinError(error) && error.code === 'ABORTED') return error;
  const why = isAutologinError(error) && error.code === 'ATTEMPT_TIMEOUT' ? 'the attempt\'s deadline passed' : describeUnexpected(error);
  return new OutcomeUnknownError(`The ${what} may have been sent to Kite and no answer was seen (${why}). It may have been a rejection, so it counts as one.`, { step });
}

/** After an answer that is not one (transient, unknown): does the page nonetheless show a rejection? Bounded and brief. */
async function pageRejection(ctx: SubmitContext, step: LoginStep): Promise<KiteRejectedError | undefined> {
  const deadline = ctx.now() + Math.min(2_000, ctx.answerMs);
  for (;;) {
    const view = await observe(ctx.page).catch(() => undefined);
    const screen = view ? recognise(view.frames, { userTyped: true, passwordAccepted: false, filled: new Set() }) : undefined;
    if (screen?.kind === 'error') {
      const shown = errorFromKiteMessage(screen.message, step);
      return shown instanceof KiteRejectedError ? shown : undefined;
    }
    if (!view || !(await waitForChange(ctx.page, deadline, ctx.now, new Promise(() => undefined)).catch(() => false))) return undefined;
  }
}

/**
 * Whether nothing that could carry the secret left the page, for certain: undefined when it is,
 * else why not (logged: the operator sees why a failure counts before running `resume`). A call
 * given up at its bound may still be typing inside Playwright, and a page may send a moment
 * later (at the sixth digit, on a timer, from its unload handlers): so the page is sealed (its
 * scripts stopped, offline, closed), and only a page that was alive, was sealed within its
 * bounds and sent nothing until then is certain. The page is of no further use to an attempt
 * whose submission failed.
 */
async function nothingLeft(ctx: SubmitContext, traffic: Traffic, what: string, step: LoginStep): Promise<string | undefined> {
  const alive = traffic.alive();
  const unsealed = await sealPage(ctx.page, SEAL_MS);
  const why = !alive ? 'the page was gone before it could be sealed' : unsealed !== undefined ? `the page could not be sealed: ${unsealed}` : traffic.uncertainty();
  if (why !== undefined) ctx.logger?.warn({ step, why }, `the ${what} was typed and the page may have sent it before it failed: recorded as unknown`);
  return why;
}
