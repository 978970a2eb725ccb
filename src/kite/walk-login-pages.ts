import type { Page } from 'playwright';
import type { Logger } from '../logger.js';
import { AttemptTimeoutError, PageError, TotpNotEnabledError, type LoginStep } from '../errors/index.js';
import { TOTP_PERIOD_MS, totpCode } from '../totp.js';
import { raceAbort } from './attempt-deadline.js';
import { within } from './bounded.js';
import type { KiteClock } from './kite-clock.js';
import { openLoginPage, watchKiteClock } from './login-page.js';
import { saveDiagnostics } from './diagnostics.js';
import { errorFromKiteMessage } from './kite-messages.js';
import { clickTarget, ensureTyped, escapeFrom, holds, holdsCode, pressSubmit, typeCode, typeInto, type Acted } from './page-actions.js';
import { observe, waitForChange, type View } from './page-view.js';
import { describeSeen, recognise, type Screen } from './screen.js';
import { interceptLoginPage } from './page-interception.js';
import { pressThrough } from './press-through.js';
import { loggableUrl, requestTokenFromRedirect } from './redirect.js';
import { accept, submitSecret, type SecretSend, type SubmissionGate } from './submit-secret.js';
import { askedFactorOf, judgeSecondFactor, type AskedFactor } from './second-factor.js';
import { codeStillFresh, reportClock, waitForTotpWindow } from './totp-wait.js';

export type { SubmissionGate, SubmissionTicket } from './submit-secret.js';

export interface LoginFlowInput {
  /** The full login URL, with api_key (see buildLoginUrl). */
  loginUrl: string;
  redirectUrl: string;
  userId: string;
  password: string;
  totpSecret: string;
  /** Bound on each step's wait. */
  stepTimeoutMs: number;
  diagnosticsDir: string;
}

/** A step finished; `detail` never holds a secret. */
export interface FlowEvent {
  step: LoginStep | 'totp-wait' | 'kite-clock';
  detail?: Record<string, string | number | boolean>;
}

export interface LoginFlowDeps {
  /** Epoch milliseconds. Default Date.now. */
  now?: () => number;
  /** Waits for a time to pass (the TOTP window guard); rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  onStep?: (event: FlowEvent) => void;
  /** The attempt's signal: a shutdown, or its deadline (see attempt-deadline.ts). */
  signal?: AbortSignal | undefined;
  /** A wait the flow chose (the next TOTP window): the attempt's deadline moves by it. */
  onWait?: ((ms: number) => void) | undefined;
  /** Time that must be left in the TOTP window when the code is typed. Default 5 s. */
  minTotpWindowLeftMs?: number;
  /** Page states at debug, requests at trace; URLs without their query. */
  logger?: Logger | undefined;
  gate: SubmissionGate;
}

/** A screen as the loop sees it: recognised, or the redirect to the app. */
type Seen = Screen | { kind: 'redirect'; url: string };

/** The control a dialog or an offer is acted on by (a text that changes, a countdown, is the same one). */
const pressedOn = (seen: Seen): string => (seen.kind === 'offer' ? seen.skip.ref : seen.kind === 'overlay' ? `${seen.dialog?.ref ?? ''}/${seen.dismiss?.ref ?? ''}` : '');

/** The most actions one login may take (a screen acted on, an overlay dismissed). */
const MAX_ACTIONS = 16;
/** Dialogs dismissed in one login before the page is called unrecognised. */
const MAX_DISMISSALS = 4;
/** Optional steps after the code (offers) skipped in one login, at most. */
const MAX_OFFERS = 4;
/** Times a covered or unresponsive control is looked at again, at most (and no longer than the step's bound). */
const MAX_COVERS = 8;

/**
 * Drives a page through Kite's login as a loop, not a script: look at every frame, recognise
 * the screen, do the one thing it is recognised for, look again, until the redirect to the
 * app's URL is seen. No number or order of screens is assumed; every browser call is bounded,
 * each wait by the step timeout, the whole by a number of actions and the attempt's deadline
 * (its signal). A control that is covered when it is to be pressed (a dialog that came after
 * the screen was read) sends the loop back to the screen, never into Playwright's long wait. A
 * screen that fits nothing, or where two fields could take one value, stops with diagnostics
 * (exit 4): never a guess. The caller owns (and closes) the browser.
 */
export async function walkLoginPages(page: Page, input: LoginFlowInput, deps: LoginFlowDeps): Promise<{ requestToken: string; kiteClock: KiteClock }> {
  const now = deps.now ?? Date.now;
  const emit = (event: FlowEvent): void => deps.onStep?.(event);
  const clock = watchKiteClock(page, input.loginUrl, now);
  const { redirect } = await raceAbort(within(interceptLoginPage(page, input.redirectUrl), input.stepTimeoutMs, 'opening the page\'s network watch'), deps.signal, 'login-page');
  let redirected: string | undefined;
  void redirect.then((url) => { redirected = url; });
  let socketOpened = false;
  page.on('websocket', () => { socketOpened = true; });
  page.on('request', (request) => {
    deps.logger?.trace({ method: request.method(), url: loggableUrl(request.url()), type: request.resourceType() }, 'browser request');
  });
  page.on('response', (response) => {
    deps.logger?.trace({ status: response.status(), url: loggableUrl(response.url()) }, 'browser response');
  });

  const progress = { userTyped: false, passwordSent: false, passwordAccepted: false, codeSent: false, codeAccepted: false, filled: new Set<string>(), codeBoxes: undefined as Set<string> | undefined, kiteOrigin: new URL(input.loginUrl).origin };
  /** What Kite's answer to the password said of the second factor (read in the code's turn). */
  let asked: AskedFactor | undefined;
  let offers = 0;
  let step: LoginStep = 'login-page';
  let view: View = { frames: [], handles: [] };
  let dismissals = 0;

  /** Looks until the screen is one worth acting on (not loading), the redirect, or the deadline. */
  const look = async (): Promise<Seen> => {
    const deadline = now() + input.stepTimeoutMs;
    for (;;) {
      if (redirected) return { kind: 'redirect', url: redirected };
      view = await raceAbort(observe(page), deps.signal, step);
      if (redirected) return { kind: 'redirect', url: redirected };
      const screen = recognise(view.frames, progress);
      if (screen.kind !== 'loading') {
        deps.logger?.debug({ step, screen: screen.kind }, 'screen');
        deps.logger?.trace({ step, seen: describeSeen(view.frames) }, 'what the screen shows');
        return screen;
      }
      if (!(await raceAbort(waitForChange(page, deadline, now, redirect), deps.signal, step))) {
        // A page that does not even answer is not an unknown page: its script locked up (a hang, reported as one).
        if (view.silent) throw new AttemptTimeoutError(`The login page stopped answering at step ${step} (its script locked up, or the browser hangs): nothing was read from it for ${Math.round(input.stepTimeoutMs / 1000)}s. The attempt was abandoned.`, { step });
        throw await unrecognised(`No recognised Kite screen within ${Math.round(input.stepTimeoutMs / 1000)}s at step ${step}; Kite may have changed its page, or shows a maintenance page.`);
      }
    }
  };
  /** Looks until the screen is no longer `kind` (after acting on it), or, for a dialog or an offer (`acted`), no longer that one (another came next). */
  const lookPast = async (kind: Seen['kind'], acted?: Seen): Promise<Seen> => {
    const deadline = now() + input.stepTimeoutMs;
    for (;;) {
      const seen = await look();
      if (seen.kind !== kind || seen.kind === 'error' || (acted !== undefined && pressedOn(seen) !== pressedOn(acted))) return seen;
      if (!(await raceAbort(waitForChange(page, deadline, now, redirect), deps.signal, step))) return seen;
    }
  };
  const unrecognised = async (message: string, code: 'PAGE_UNRECOGNISED' | 'TWOFA_UNSUPPORTED' = 'PAGE_UNRECOGNISED', retryable?: boolean): Promise<PageError> => {
    const summary = view.frames.length > 0 ? ` Seen: ${describeSeen(view.frames)}.` : '';
    return new PageError(code, `${message}${summary}`, {
      step, ...(retryable === undefined ? {} : { retryable }),
      diagnostics: await saveDiagnostics(page, input.diagnosticsDir, step, new Date(now())),
    });
  };
  /** Closes what covers the form: its benign control when a click reaches it, else Escape sent to it. */
  const dismiss = async (seen: Extract<Seen, { kind: 'overlay' }>): Promise<void> => {
    dismissals += 1;
    if (dismissals > MAX_DISMISSALS) throw await unrecognised(`Something stays over the login form after ${dismissals - 1} tries to dismiss it ("${seen.text.slice(0, 80)}").`);
    deps.logger?.info({ step, dialog: seen.text.slice(0, 80), control: seen.dismiss ? 'button' : 'Escape' }, 'dismissing a dialog over the form');
    const shown = view;
    // Bounded, and not fatal: the page may have moved on (the next look tells).
    if (seen.dismiss && (await raceAbort(clickTarget(shown, seen.dismiss), deps.signal, step)) === 'done') return;
    await raceAbort(escapeFrom(page, shown, seen.dialog), deps.signal, step);
  };
  /** A control was covered or did not respond: look again, deal with a cover; false when the screen is something else now. */
  const clearCover = async (): Promise<boolean> => {
    const seen = await look();
    if (seen.kind === 'overlay') {
      await dismiss(seen);
      return true;
    }
    return ['credentials', 'user-id', 'code', 'consent'].includes(seen.kind);
  };
  /** Presses a control of the `on` screen until the press is done or the screen moved on (press-through.ts); bounded. */
  const pressOn = (on: Seen['kind'], press: () => Promise<Acted>, what: string): Promise<void> => pressThrough({
    press: () => raceAbort(press(), deps.signal, step), on, now, until: now() + input.stepTimeoutMs, maxLooks: MAX_COVERS,
    look: async () => { const seen = await look(); return seen.kind === 'overlay' ? { kind: 'cover', dismiss: () => dismiss(seen) } : seen; },
    giveUp: (looks) => unrecognised(`The ${what} control stayed covered or did not respond after ${looks} looks.`),
  });
  const secretContext = { page, gate: deps.gate, answerMs: input.stepTimeoutMs, diagnosticsDir: input.diagnosticsDir, signal: deps.signal, now, logger: deps.logger, socketOpened: () => socketOpened };

  await openLoginPage(page, input, deps.signal);
  let seen = await look();
  if (seen.kind !== 'error') emit({ step: 'login-page' });

  for (let actions = 0; ; actions += 1) {
    if (actions > MAX_ACTIONS) throw await unrecognised(`The login took more than ${MAX_ACTIONS} screens without reaching the redirect.`, 'PAGE_UNRECOGNISED', false);
    switch (seen.kind) {
      case 'redirect': {
        const requestToken = requestTokenFromRedirect(seen.url);
        emit({ step: 'redirect', detail: { redirect: loggableUrl(seen.url) } });
        return { requestToken, kiteClock: clock };
      }
      case 'error':
        throw errorFromKiteMessage(seen.message, step);
      case 'captcha':
        throw await unrecognised('Kite shows a captcha; this tool never answers one. Log in once by hand in a browser, then run again.', 'PAGE_UNRECOGNISED', false);
      case 'security-questions':
        throw await unrecognised('Kite asks security questions as the second factor; kite-autologin answers only TOTP. Enable external TOTP on your Kite account (Settings > Account security).', 'TWOFA_UNSUPPORTED');
      case 'ambiguous':
        throw await unrecognised(`Not sure what this screen wants (${seen.why}); nothing more was typed.`, 'PAGE_UNRECOGNISED', !progress.userTyped);
      case 'dashboard':
        throw await unrecognised('Kite logged in but went to its dashboard instead of KITE_REDIRECT_URL: check KITE_API_KEY and the redirect URL registered for the app.');
      case 'loading':
        seen = await look();
        break;
      case 'overlay':
        await dismiss(seen);
        seen = await lookPast('overlay', seen);
        break;
      case 'user-id': {
        const { user, submit } = seen;
        const form = view;
        progress.filled.add(user.ref);
        progress.userTyped = true;
        // Typed whenever the field does not hold it: a cover that came while typing is looked at and dealt with first.
        await pressOn('user-id', async () => ((await ensureTyped(form, user, input.userId)) === 'done' ? pressSubmit(form, submit, user) : 'unresponsive'), 'submit');
        seen = await lookPast('user-id');
        break;
      }
      case 'credentials': {
        // Once sent, never again in this login: a page that asks twice is not one to guess about.
        if (progress.passwordSent) throw await unrecognised('The page asks for the password again after it was sent; nothing more was typed.', 'PAGE_UNRECOGNISED', false);
        step = 'credentials';
        const { user, password, submit } = seen;
        const form = view;
        if (user) Object.assign(progress, { userTyped: true, filled: progress.filled.add(user.ref) });
        progress.passwordSent = true;
        progress.filled.add(password.ref);
        const send: SecretSend = {
          // The user id each round where the field does not hold it (a cover may have come while typing), before the password.
          prepare: async () => { if (user && !(await holds(form, user, input.userId))) await typeInto(form, user, input.userId); },
          type: async (_watch, first) => {
            if (first || !(await holds(form, password, input.password))) await typeInto(form, password, input.password);
          },
          press: () => pressSubmit(form, submit, password),
          clearCover,
        };
        const { status, ticket, body } = await submitSecret({ ...secretContext, factor: 'password', secret: input.password, kiteNow: clock.now(), clockMeasured: clock.measured }, send);
        asked = askedFactorOf(body);
        progress.passwordAccepted = true;
        await accept(ticket, status, step, async () => (seen = await lookPast('credentials')));
        emit({ step: 'credentials' });
        step = 'second-factor';
        break;
      }
      case 'code': {
        if (progress.codeSent) throw await unrecognised('The page asks for the code again after it was sent; nothing more was typed.', 'PAGE_UNRECOGNISED', false);
        step = 'second-factor';
        const { boxes, submit } = seen;
        const form = view;
        if (boxes.some((box) => progress.filled.has(box.ref))) throw await unrecognised('The code field is one that holds the user id or the password; nothing more was typed.', 'PAGE_UNRECOGNISED', false);
        // Only the factor Kite asked for, and only a field the page does not call something else: a TOTP typed where Kite wants the App Code is a wrong second factor.
        const factor = judgeSecondFactor(asked, { field: seen.hint, screen: view.frames[boxes[0]?.frame ?? 0]?.text ?? '' });
        if (!factor.totp) {
          if (!factor.stop) throw await unrecognised(factor.why, 'PAGE_UNRECOGNISED', factor.retry);
          deps.logger?.error({ step, asked: asked?.type, offered: asked?.types?.join(',') }, 'Kite asks for a second factor other than an external TOTP: no code typed');
          await deps.gate.recordStop('totp', 'TOTP_NOT_ENABLED', `Kite asked for ${factor.asked}`);
          throw new TotpNotEnabledError(factor.asked, { step, userId: input.userId });
        }
        reportClock(clock, (detail) => emit({ step: 'kite-clock', detail }), deps.logger);
        const { codeAt, waitedMs } = await waitForTotpWindow(clock, {
          sleep: deps.sleep, signal: deps.signal, minTotpWindowLeftMs: deps.minTotpWindowLeftMs, floor: deps.gate.totpWindowFloor(), onWait: deps.onWait,
        });
        if (waitedMs > 0) emit({ step: 'totp-wait', detail: { waitedMs } });
        const code = totpCode(input.totpSecret, codeAt);
        Object.assign(progress, { codeSent: true, codeBoxes: new Set(boxes.map((box) => box.ref)) });
        const last = boxes.at(-1) ?? boxes[0];
        if (!last) throw await unrecognised('A code screen without a field.');
        const send: SecretSend = {
          type: async (watch, first) => {
            if (first || !(await holdsCode(form, boxes, code))) await typeCode(page, form, boxes, code, watch);
          },
          press: () => pressSubmit(form, submit, last),
          clearCover,
        };
        const window = Math.floor(codeAt / TOTP_PERIOD_MS);
        const { status, ticket } = await submitSecret({ ...secretContext, factor: 'totp', secret: code, kiteNow: clock.now(), clockMeasured: clock.measured, window, fresh: () => codeStillFresh(clock, window) }, send);
        progress.codeAccepted = true;
        await accept(ticket, status, step, async () => (seen = await lookPast('code')));
        emit({ step: 'second-factor' });
        step = 'consent';
        break;
      }
      case 'offer': {
        // An optional step after the code (a passkey, a tour): the choice that changes nothing.
        offers += 1;
        if (offers > MAX_OFFERS) throw await unrecognised(`More than ${MAX_OFFERS} optional steps after the code.`, 'PAGE_UNRECOGNISED', false);
        const { skip, text } = seen;
        const form = view;
        deps.logger?.info({ step, offer: text.slice(0, 80) }, 'skipping an optional step offered after the code');
        await pressOn('offer', () => clickTarget(form, skip), 'skip');
        seen = await lookPast('offer', seen);
        break;
      }
      case 'consent': {
        step = 'consent';
        const { authorize } = seen;
        const form = view;
        await pressOn('consent', () => clickTarget(form, authorize), 'Authorize');
        seen = await lookPast('consent');
        if (seen.kind !== 'error') emit({ step: 'consent' });
        step = 'redirect';
        break;
      }
    }
  }
}
