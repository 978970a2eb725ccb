import type { Locator, Page } from 'playwright';
import type { Logger } from '../logger.js';
import { AbortedError, describeUnexpected, isAutologinError, KiteRejectedError, KiteUnavailableError, OutcomeUnknownError, PageError, type ErrorCode, type LoginStep } from '../errors/index.js';
import type { AnswerKind, Factor } from '../ledger/records.js';
import { DEFAULT_MIN_WINDOW_LEFT_MS, TOTP_PERIOD_MS, totpCode } from '../totp.js';
import { watchAnswer } from './answer-watch.js';
import { classifyAnswer, type ClassifiedAnswer } from './kite-answer.js';
import { CLOCK_FIX_HINT, CLOCK_WARN_OFFSET_MS, describeOffset } from '../time/clock-offset.js';
import { KiteClock } from './kite-clock.js';
import { saveDiagnostics } from './diagnostics.js';
import { errorFromKiteMessage } from './kite-messages.js';
import { locate, observe, waitForChange, type View } from './page-view.js';
import { describeSeen, recognise, type Screen, type Target } from './screen.js';
import { interceptLoginPage } from './page-interception.js';
import { loggableUrl, requestTokenFromRedirect } from './redirect.js';

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

/** Told of each secret right before the page may send it to Kite, and of Kite's answer. */
export interface SubmissionGate {
  /**
   * Throws to refuse (nothing is typed then). `kiteNow` is Kite's time as measured;
   * `window` the TOTP window of the code about to be typed.
   */
  open(factor: Factor, context: { kiteNow: number; window?: number; clockMeasured: boolean }): Promise<SubmissionTicket>;
  /** A code of this window or an earlier one must not be sent (today's failed code's window). */
  totpWindowFloor(): number | undefined;
}

export interface SubmissionTicket {
  /** Records Kite's answer. Never throws for an answer that is already an error to report. */
  settle(answer: AnswerKind, detail: { code?: ErrorCode | undefined; status?: number | undefined }): Promise<void>;
}

export interface LoginFlowDeps {
  /** Epoch milliseconds. Default Date.now. */
  now?: () => number;
  /** Waits for a time to pass (the TOTP window guard); rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  onStep?: (event: FlowEvent) => void;
  signal?: AbortSignal | undefined;
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

/**
 * Drives a page through Kite's login as a loop, not a script: look at every frame, recognise
 * the screen, do the one thing it is recognised for, look again, until the redirect to the
 * app's URL is seen. No number or order of screens is assumed; each wait is bounded by the
 * step timeout, and the whole by a number of actions. A screen that fits nothing, or where
 * two fields could take one value, stops with diagnostics (exit 4): never a guess. The
 * caller owns (and closes) the browser (see capture-request-token.ts).
 */
export async function walkLoginPages(page: Page, input: LoginFlowInput, deps: LoginFlowDeps): Promise<{ requestToken: string; kiteClock: KiteClock }> {
  const now = deps.now ?? Date.now;
  const emit = (event: FlowEvent): void => deps.onStep?.(event);
  const clock = watchKiteClock(page, input.loginUrl, now);
  const { redirect } = await interceptLoginPage(page, input.redirectUrl);
  let redirected: string | undefined;
  void redirect.then((url) => { redirected = url; });
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
      case 'overlay': {
        dismissals += 1;
        if (dismissals > 3) throw await unrecognised(`Something stays over the login form after ${dismissals - 1} tries to dismiss it ("${seen.text.slice(0, 80)}").`);
        deps.logger?.info({ step, dialog: seen.text.slice(0, 80), control: seen.dismiss ? 'button' : 'Escape' }, 'dismissing a dialog over the form');
        // Bounded, and not fatal: the page may have moved on (the next look tells).
        if (seen.dismiss) {
          await locate(view, seen.dismiss).click({ timeout: 2_000 }).catch(() => deps.logger?.debug({ step }, 'the dismiss control could not be clicked'));
        } else {
          // Escape goes to the focused frame: focus the dialog's own (a click inside it, on no control) first.
          if (seen.dialog) await locate(view, seen.dialog).click({ position: { x: 3, y: 3 }, timeout: 2_000 }).catch(() => undefined);
          await page.keyboard.press('Escape');
        }
        seen = await lookPast('overlay');
        break;
      }
      case 'user-id': {
        await typeInto(locate(view, seen.user), input.userId);
        progress.filled.add(seen.user.ref);
        progress.userTyped = true;
        await pressSubmit(view, seen.submit, seen.user);
        seen = await lookPast('user-id');
        break;
      }
      case 'credentials': {
        // Once sent, never again in this login: a page that asks twice is not one to guess about.
        if (progress.passwordSent) throw await unrecognised('The page asks for the password again after it was sent; nothing more was typed.', 'PAGE_UNRECOGNISED', false);
        step = 'credentials';
        const screen = seen;
        if (screen.user) {
          await typeInto(locate(view, screen.user), input.userId);
          progress.filled.add(screen.user.ref);
          progress.userTyped = true;
        }
        await typeInto(locate(view, screen.password), input.password);
        progress.filled.add(screen.password.ref);
        progress.passwordSent = true;
        seen = await submitSecret(page, 'password', input.password, input, deps, clock, async () => {
          await pressSubmit(view, screen.submit, screen.password);
        }, () => { progress.passwordAccepted = true; return lookPast('credentials'); });
        emit({ step: 'credentials' });
        step = 'second-factor';
        break;
      }
      case 'code': {
        if (progress.codeSent) throw await unrecognised('The page asks for the code again after it was sent; nothing more was typed.', 'PAGE_UNRECOGNISED', false);
        step = 'second-factor';
        const screen = seen;
        if (screen.boxes.some((box) => progress.filled.has(box.ref))) throw await unrecognised('The code field is one that holds the user id or the password; nothing more was typed.', 'PAGE_UNRECOGNISED', false);
        reportClock(clock, emit, deps.logger);
        const codeAt = await waitForTotpWindow(clock, deps, emit);
        const code = totpCode(input.totpSecret, codeAt);
        progress.codeSent = true;
        seen = await submitSecret(page, 'totp', code, input, deps, clock, async (watch) => {
          await typeCode(page, view, screen.boxes, code, watch);
          if (!watch.sent()) await pressSubmit(view, screen.submit, screen.boxes.at(-1) as Target);
        }, () => { progress.codeAccepted = true; return lookPast('code'); }, codeAt);
        emit({ step: 'second-factor' });
        step = 'consent';
        break;
      }
      case 'consent': {
        step = 'consent';
        await locate(view, seen.authorize).click();
        seen = await lookPast('consent');
        if (seen.kind !== 'error') emit({ step: 'consent' });
        step = 'redirect';
        break;
      }
    }
  }
}

/** Types a value as a person would (focus, keys), then checks the field holds it. */
async function typeInto(field: Locator, value: string): Promise<void> {
  await field.fill(value);
  if ((await field.inputValue()) !== value) {
    await field.fill('');
    await field.pressSequentially(value);
  }
}

/**
 * Types the code: into one field, or across split boxes as a person would (the first box,
 * then key by key, the page moving the focus); boxes that do not move the focus get a digit
 * each. Then checks that what the page holds is the code, unless the page has already sent
 * it (at the sixth digit): the request carrying the code is proof enough, and the page may be
 * leaving. Short bounds: a field that is gone has nothing to check.
 */
async function typeCode(page: Page, view: View, boxes: readonly Target[], code: string, watch: { sent(): boolean }): Promise<void> {
  const fields = boxes.map((box) => locate(view, box));
  const held = async (): Promise<string> => (await Promise.all(fields.map((f) => f.inputValue({ timeout: 1_000 }).catch(() => '')))).join('');
  if (fields.length === 1) {
    await (fields[0] as Locator).fill(code);
  } else {
    await (fields[0] as Locator).click();
    await page.keyboard.type(code);
  }
  // A round trip to the page: its input handlers have run and a request they started has been seen.
  await page.evaluate(() => document.readyState).catch(() => undefined);
  if (watch.sent()) return;
  if ((await held()) !== code) {
    if (fields.length === 1) {
      await (fields[0] as Locator).fill('', { timeout: 1_000 });
      await (fields[0] as Locator).pressSequentially(code, { timeout: 5_000 });
    }
    else for (const [i, field] of fields.entries()) await field.fill(code[i] ?? '', { timeout: 1_000 });
    await page.evaluate(() => document.readyState).catch(() => undefined);
  }
  if (watch.sent()) return;
  if ((await held()) !== code) throw new PageError('PAGE_UNRECOGNISED', 'The code field does not hold the code that was typed (a field that changes what is typed?); not submitted.', { step: 'second-factor', retryable: false });
}

/** The submit control, else Enter in the last field. */
async function pressSubmit(view: View, submit: Target | undefined, lastField: Target): Promise<void> {
  if (submit) await locate(view, submit).click();
  else await locate(view, lastField).press('Enter');
}

/**
 * One secret to Kite: the gate records it first (and may refuse), then `send` makes the page
 * send it, then Kite's answer to the page's own request decides. The page's reaction is a
 * second opinion: a rejection it shows outweighs a transient answer, and an accepted answer
 * must lead to a recognised next page. The gate is told the outcome in every case.
 */
async function submitSecret(
  page: Page,
  factor: Factor,
  secret: string,
  input: LoginFlowInput,
  deps: LoginFlowDeps,
  clock: KiteClock,
  send: (watch: { sent(): boolean }) => Promise<void>,
  next: () => Promise<Seen>,
  /** TOTP: the instant (Kite's clock) the code was made for. */
  codeAt?: number,
): Promise<Seen> {
  const step: LoginStep = factor === 'password' ? 'credentials' : 'second-factor';
  const kiteNow = clock.now();
  const ticket = await deps.gate.open(factor, {
    kiteNow, clockMeasured: clock.measured,
    ...(codeAt === undefined ? {} : { window: Math.floor(codeAt / TOTP_PERIOD_MS) }),
  });
  const watch = watchAnswer(page, secret, input.stepTimeoutMs);
  let classified: ClassifiedAnswer;
  try {
    watch.start();
    try {
      await send(watch);
    } catch (error) {
      // The click or the typing failed: whether the page sent anything decides below.
      if (!watch.sent()) {
        await ticket.settle('unknown', { code: 'SUBMISSION_UNKNOWN' });
        throw error;
      }
    }
    classified = classifyAnswer(await raceAbort(watch.answer(), deps.signal, step), factor);
  } catch (error) {
    if (isAutologinError(error) && error.code === 'ABORTED') await ticket.settle('unknown', { code: 'SUBMISSION_UNKNOWN' });
    throw error;
  } finally {
    watch.dispose();
  }
  deps.logger?.debug({ step, answer: classified.kind, status: classified.status }, 'Kite answered');

  if (classified.kind !== 'accepted') {
    const shown = classified.kind === 'transient' ? await pageRejection(page, step, input, deps, nowOf(deps)) : undefined;
    let error = shown ?? classified.error;
    if (error instanceof OutcomeUnknownError) error = error.withDiagnostics(await saveDiagnostics(page, input.diagnosticsDir, step, new Date(nowOf(deps))));
    const kind: AnswerKind = shown ? (shown.code === 'ACCOUNT_BLOCKED' ? 'blocked' : 'rejected') : classified.kind;
    await ticket.settle(kind, { code: error?.code, status: classified.status });
    throw error ?? new KiteUnavailableError(`Kite did not accept the ${factor}.`, { step });
  }

  let state: Seen;
  try {
    state = await next();
  } catch (error) {
    // Kite accepted it; what follows is a page problem, not a rejection.
    await ticket.settle('accepted', { status: classified.status });
    throw error;
  }
  if (state.kind === 'error') {
    const shown = errorFromKiteMessage(state.message, step);
    const rejected = shown instanceof KiteRejectedError;
    await ticket.settle(rejected ? (shown.code === 'ACCOUNT_BLOCKED' ? 'blocked' : 'rejected') : 'accepted', { code: shown.code, status: classified.status });
    throw shown;
  }
  await ticket.settle('accepted', { status: classified.status });
  return state;
}

const nowOf = (deps: LoginFlowDeps): number => (deps.now ?? Date.now)();

/** After a transient answer: does the page nonetheless show a rejection? Bounded and brief. */
async function pageRejection(page: Page, step: LoginStep, input: LoginFlowInput, deps: LoginFlowDeps, at: number): Promise<KiteRejectedError | undefined> {
  const now = deps.now ?? Date.now;
  const deadline = at + Math.min(2_000, input.stepTimeoutMs);
  for (;;) {
    const view = await observe(page).catch(() => undefined);
    const screen = view ? recognise(view.frames, { userTyped: true, passwordAccepted: false, filled: new Set() }) : undefined;
    if (screen?.kind === 'error') {
      const shown = errorFromKiteMessage(screen.message, step);
      return shown instanceof KiteRejectedError ? shown : undefined;
    }
    if (!(await waitForChange(page, deadline, now, new Promise(() => undefined)))) return undefined;
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

function reportClock(clock: KiteClock, emit: (event: FlowEvent) => void, logger: Logger | undefined): void {
  if (!clock.measured) return;
  emit({ step: 'kite-clock', detail: { offsetMs: clock.offsetMs, uncertaintyMs: clock.uncertaintyMs } });
  if (Math.abs(clock.offsetMs) > CLOCK_WARN_OFFSET_MS) {
    logger?.warn({ kiteClockOffsetMs: clock.offsetMs }, `${describeOffset(clock.offsetMs)}: ${CLOCK_FIX_HINT}`);
  }
}

/**
 * Waits, on Kite's clock, until a code can be typed that is right wherever in its known
 * range Kite's clock really is: the earliest possible Kite time and the latest (plus the
 * time typing and sending take) must fall in one window, after any window that failed
 * today. Returns the instant (Kite's clock) to make the code for.
 */
async function waitForTotpWindow(clock: KiteClock, deps: LoginFlowDeps, emit: (event: FlowEvent) => void): Promise<number> {
  const minLeft = deps.minTotpWindowLeftMs ?? DEFAULT_MIN_WINDOW_LEFT_MS;
  const u = clock.measured ? Math.min(clock.uncertaintyMs, 5_000) : 0;
  const floor = deps.gate.totpWindowFloor();
  const earliest = clock.now() - u;
  const window = Math.floor(earliest / TOTP_PERIOD_MS);
  let waitMs = 0;
  if ((window + 1) * TOTP_PERIOD_MS - (clock.now() + u) < minLeft) waitMs = (window + 1) * TOTP_PERIOD_MS - earliest;
  if (floor !== undefined && window + (waitMs > 0 ? 1 : 0) <= floor) waitMs = Math.max(waitMs, (floor + 1) * TOTP_PERIOD_MS - earliest);
  if (waitMs > 0) {
    await deps.sleep(waitMs, deps.signal).catch(() => { throw new AbortedError('Stopped while waiting for the next TOTP window.', { step: 'second-factor' }); });
    emit({ step: 'totp-wait', detail: { waitedMs: waitMs } });
  }
  return clock.now() - u;
}

async function openLoginPage(page: Page, input: LoginFlowInput, signal: AbortSignal | undefined): Promise<void> {
  let status: number | undefined;
  try {
    // 'commit' is enough: the page is a script-rendered app, and we wait for its form below.
    const response = await raceAbort(page.goto(input.loginUrl, { waitUntil: 'commit', timeout: input.stepTimeoutMs }), signal, 'login-page');
    status = response?.status();
  } catch (error) {
    if (error instanceof AbortedError) throw error;
    throw new KiteUnavailableError(`Could not open the Kite login page (${loggableUrl(input.loginUrl)}): ${describeUnexpected(error)}`, { step: 'login-page' });
  }
  if (status !== undefined && (status >= 500 || status === 429)) {
    throw new KiteUnavailableError(`The Kite login page answered HTTP ${status}.`, { step: 'login-page' });
  }
}




function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, step: LoginStep): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError('Login stopped.', { step }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError('Login stopped.', { step }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
