import type { Page } from 'playwright';
import type { Logger } from '../logger.js';
import { AttemptTimeoutError, describeUnexpected, isAutologinError, KiteUnavailableError, PageError, type LoginStep } from '../errors/index.js';
import { TOTP_PERIOD_MS, totpCode } from '../totp.js';
import { raceAbort } from './attempt-deadline.js';
import { within } from './bounded.js';
import { KiteClock } from './kite-clock.js';
import { saveDiagnostics } from './diagnostics.js';
import { errorFromKiteMessage } from './kite-messages.js';
import { clickTarget, escapeFrom, holds, holdsCode, pressSubmit, typeCode, typeInto, type Acted } from './page-actions.js';
import { observe, waitForChange, type View } from './page-view.js';
import { describeSeen, recognise, type Screen } from './screen.js';
import { interceptLoginPage } from './page-interception.js';
import { loggableUrl, requestTokenFromRedirect } from './redirect.js';
import { accept, submitSecret, type SecretSend, type SubmissionGate } from './submit-secret.js';
import { reportClock, waitForTotpWindow } from './totp-wait.js';

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

/** The most actions one login may take (a screen acted on, an overlay dismissed). */
const MAX_ACTIONS = 16;
/** Dialogs dismissed in one login before the page is called unrecognised. */
const MAX_DISMISSALS = 4;
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

  const progress = { userTyped: false, passwordSent: false, passwordAccepted: false, codeSent: false, codeAccepted: false, filled: new Set<string>() };
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
  /** Looks until the screen is no longer `kind` (after acting on it). */
  const lookPast = async (kind: Seen['kind']): Promise<Seen> => {
    const deadline = now() + input.stepTimeoutMs;
    for (;;) {
      const seen = await look();
      if (seen.kind !== kind || seen.kind === 'error') return seen;
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
  /** Presses until the press is done, looking at the screen again in between; bounded. */
  const pressThrough = async (press: () => Promise<Acted>, what: string): Promise<void> => {
    const until = now() + input.stepTimeoutMs;
    for (let round = 1; ; round += 1) {
      if ((await raceAbort(press(), deps.signal, step)) === 'done') return;
      if (round >= MAX_COVERS || now() >= until || !(await clearCover())) throw await unrecognised(`The ${what} control stayed covered or did not respond after ${round} looks.`);
    }
  };
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
        seen = await lookPast('overlay');
        break;
      case 'user-id': {
        const { user, submit } = seen;
        const form = view;
        await raceAbort(typeInto(form, user, input.userId), deps.signal, step);
        progress.filled.add(user.ref);
        progress.userTyped = true;
        await pressThrough(() => pressSubmit(form, submit, user), 'submit');
        seen = await lookPast('user-id');
        break;
      }
      case 'credentials': {
        // Once sent, never again in this login: a page that asks twice is not one to guess about.
        if (progress.passwordSent) throw await unrecognised('The page asks for the password again after it was sent; nothing more was typed.', 'PAGE_UNRECOGNISED', false);
        step = 'credentials';
        const { user, password, submit } = seen;
        const form = view;
        if (user) {
          await raceAbort(typeInto(form, user, input.userId), deps.signal, step);
          progress.filled.add(user.ref);
          progress.userTyped = true;
        }
        progress.passwordSent = true;
        progress.filled.add(password.ref);
        const send: SecretSend = {
          type: async (_watch, first) => {
            if (!first && user && !(await holds(form, user, input.userId))) await typeInto(form, user, input.userId);
            if (first || !(await holds(form, password, input.password))) await typeInto(form, password, input.password);
          },
          press: () => pressSubmit(form, submit, password),
          clearCover,
        };
        const { status, ticket } = await submitSecret({ ...secretContext, factor: 'password', secret: input.password, kiteNow: clock.now(), clockMeasured: clock.measured }, send);
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
        reportClock(clock, (detail) => emit({ step: 'kite-clock', detail }), deps.logger);
        const { codeAt, waitedMs } = await waitForTotpWindow(clock, {
          sleep: deps.sleep, signal: deps.signal, minTotpWindowLeftMs: deps.minTotpWindowLeftMs, floor: deps.gate.totpWindowFloor(), onWait: deps.onWait,
        });
        if (waitedMs > 0) emit({ step: 'totp-wait', detail: { waitedMs } });
        const code = totpCode(input.totpSecret, codeAt);
        progress.codeSent = true;
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
        const { status, ticket } = await submitSecret({ ...secretContext, factor: 'totp', secret: code, kiteNow: clock.now(), clockMeasured: clock.measured, window }, send);
        progress.codeAccepted = true;
        await accept(ticket, status, step, async () => (seen = await lookPast('code')));
        emit({ step: 'second-factor' });
        step = 'consent';
        break;
      }
      case 'consent': {
        step = 'consent';
        const { authorize } = seen;
        const form = view;
        await pressThrough(() => clickTarget(form, authorize), 'Authorize');
        seen = await lookPast('consent');
        if (seen.kind !== 'error') emit({ step: 'consent' });
        step = 'redirect';
        break;
      }
    }
  }
}

/** Every response from Kite's login host tells its time (see KiteClock). */
function watchKiteClock(page: Page, loginUrl: string, now: () => number): KiteClock {
  const clock = new KiteClock(now);
  const origin = new URL(loginUrl).origin;
  const sentAt = new WeakMap<object, number>();
  page.on('request', (request) => { sentAt.set(request, now()); });
  page.on('response', (response) => {
    const date = response.headers()['date'];
    if (!date || !response.url().startsWith(origin)) return;
    clock.observe(Date.parse(date), sentAt.get(response.request()) ?? now(), now());
  });
  return clock;
}

async function openLoginPage(page: Page, input: LoginFlowInput, signal: AbortSignal | undefined): Promise<void> {
  let status: number | undefined;
  try {
    // 'commit' is enough: the page is a script-rendered app, and we wait for its form below.
    const response = await raceAbort(within(page.goto(input.loginUrl, { waitUntil: 'commit', timeout: input.stepTimeoutMs }), input.stepTimeoutMs + 1_000, 'opening the login page'), signal, 'login-page');
    status = response?.status();
  } catch (error) {
    if (isAutologinError(error)) throw error;
    throw new KiteUnavailableError(`Could not open the Kite login page (${loggableUrl(input.loginUrl)}): ${describeUnexpected(error)}`, { step: 'login-page' });
  }
  if (status !== undefined && (status >= 500 || status === 429)) {
    throw new KiteUnavailableError(`The Kite login page answered HTTP ${status}.`, { step: 'login-page' });
  }
}
