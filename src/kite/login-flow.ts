import { errors as playwrightErrors, type Page } from 'playwright';
import type { Logger } from '../logger.js';
import { AbortedError, describeUnexpected, isAutologinError, KiteRejectedError, KiteUnavailableError, OutcomeUnknownError, PageError, type LoginStep } from '../errors/index.js';
import type { AnswerKind, Factor } from '../ledger/records.js';
import { DEFAULT_MIN_WINDOW_LEFT_MS, TOTP_PERIOD_MS, totpCode } from '../totp.js';
import { watchAnswer } from './answer-watch.js';
import { classifyAnswer, type ClassifiedAnswer } from './kite-answer.js';
import { CLOCK_FIX_HINT, CLOCK_WARN_OFFSET_MS, describeOffset } from '../time/clock-offset.js';
import { KiteClock } from './kite-clock.js';
import { saveDiagnostics } from './diagnostics.js';
import { errorFromKiteMessage } from './kite-messages.js';
import type { PageKind, PageState } from './page-state.js';
import { waitForPageState } from './page-wait.js';
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
  settle(answer: AnswerKind, detail: { code?: string | undefined; status?: number | undefined }): Promise<void>;
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

type Outcome = PageState | { kind: 'redirect'; url: string };

/**
 * Drives a page through Kite's login: user id and password, the TOTP, the consent page when
 * shown, and returns the request_token read from the redirect request to the app's URL.
 * Each wait is for a recognised page state, bounded by the step timeout; an unknown page
 * leaves diagnostics and a PageError. The caller owns (and closes) the browser.
 */
export async function runLoginFlow(page: Page, input: LoginFlowInput, deps: LoginFlowDeps): Promise<{ requestToken: string; kiteClock: KiteClock }> {
  const now = deps.now ?? Date.now;
  const emit = (event: FlowEvent): void => deps.onStep?.(event);
  const clock = watchKiteClock(page, input.loginUrl, now);
  const { redirect } = await interceptLoginPage(page, input.redirectUrl);
  page.on('request', (request) => {
    deps.logger?.trace({ method: request.method(), url: loggableUrl(request.url()), type: request.resourceType() }, 'browser request');
  });
  page.on('response', (response) => {
    deps.logger?.trace({ status: response.status(), url: loggableUrl(response.url()) }, 'browser response');
  });

  const waitFor = async (expected: PageKind[], step: LoginStep): Promise<Outcome> => {
    const outcome = await waitForOutcome(page, expected, step, redirect, input, deps.signal, now);
    deps.logger?.debug({ step, state: outcome.kind, ...(outcome.kind === 'second-factor' ? { field: outcome.hint } : {}) }, 'page state');
    return outcome;
  };

  await openLoginPage(page, input, deps.signal);
  let state = await waitFor(['credentials', 'second-factor', 'consent', 'error', 'security-questions', 'dashboard', 'captcha'], 'login-page');
  throwOnError(state, 'login-page');
  emit({ step: 'login-page' });

  if (state.kind === 'credentials') {
    const fields = state;
    await page.locator(fields.user).fill(input.userId);
    await page.locator(fields.password).fill(input.password);
    state = await submitSecret(page, 'password', input.password, input, deps, clock, async () => {
      await submit(page, fields.submit, fields.password);
    }, () => waitFor(['second-factor', 'security-questions', 'consent', 'error', 'dashboard', 'captcha'], 'credentials'));
    emit({ step: 'credentials' });
  }

  if (state.kind === 'captcha') {
    throw new PageError('PAGE_UNRECOGNISED', 'Kite shows a captcha; this tool never answers one. Log in once by hand in a browser, then run again.', {
      step: 'login-page',
      diagnostics: await saveDiagnostics(page, input.diagnosticsDir, 'login-page', new Date(now())),
    });
  }

  if (state.kind === 'security-questions') {
    throw new PageError('TWOFA_UNSUPPORTED', 'Kite asks security questions as the second factor; kite-autologin answers only TOTP. Enable external TOTP on your Kite account (Settings > Account security).', { step: 'second-factor' });
  }

  if (state.kind === 'second-factor') {
    reportClock(clock, emit, deps.logger);
    const codeAt = await waitForTotpWindow(clock, deps, emit);
    const field = state;
    const code = totpCode(input.totpSecret, codeAt);
    state = await submitSecret(page, 'totp', code, input, deps, clock, async (watch) => {
      await page.locator(field.code).fill(code);
      // A round trip to the page: its input handlers have run, and a request they started
      // (a page that submits at the sixth digit) has been reported, before deciding to submit.
      await page.evaluate(() => document.readyState).catch(() => undefined);
      if (!watch.sent()) await submit(page, field.submit, field.code);
    }, () => waitFor(['consent', 'error', 'dashboard'], 'second-factor'), codeAt);
    emit({ step: 'second-factor' });
  }

  if (state.kind === 'consent') {
    await page.locator(state.authorize).click();
    state = await waitFor(['error', 'dashboard'], 'consent');
    throwOnError(state, 'consent');
    emit({ step: 'consent' });
  }

  if (state.kind === 'dashboard') {
    throw new PageError('PAGE_UNRECOGNISED', 'Kite logged in but went to its dashboard instead of KITE_REDIRECT_URL: check KITE_API_KEY and the redirect URL registered for the app.', {
      step: 'redirect',
      diagnostics: await saveDiagnostics(page, input.diagnosticsDir, 'redirect', new Date(now())),
    });
  }
  if (state.kind !== 'redirect') {
    throw new PageError('PAGE_UNRECOGNISED', `Unexpected page state "${state.kind}" at the end of the login.`, { step: 'redirect' });
  }
  const requestToken = requestTokenFromRedirect(state.url);
  emit({ step: 'redirect', detail: { redirect: loggableUrl(state.url) } });
  return { requestToken, kiteClock: clock };
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
  next: () => Promise<Outcome>,
  /** TOTP: the instant (Kite's clock) the code was made for. */
  codeAt?: number,
): Promise<Outcome> {
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

  let state: Outcome;
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
  const found = await waitForPageState(page, ['error'], at + Math.min(2_000, input.stepTimeoutMs), deps.now ?? Date.now).catch(() => null);
  if (found?.kind !== 'error') return undefined;
  const shown = errorFromKiteMessage(found.message, step);
  return shown instanceof KiteRejectedError ? shown : undefined;
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

async function submit(page: Page, submitSelector: string | null, lastField: string): Promise<void> {
  if (submitSelector) await page.locator(submitSelector).click();
  else await page.locator(lastField).press('Enter');
}

function throwOnError(state: Outcome, step: LoginStep): void {
  if (state.kind === 'error') throw errorFromKiteMessage(state.message, step);
}

async function waitForOutcome(
  page: Page,
  expected: PageKind[],
  step: LoginStep,
  redirect: Promise<string>,
  input: LoginFlowInput,
  signal: AbortSignal | undefined,
  now: () => number,
): Promise<Outcome> {
  const deadline = now() + input.stepTimeoutMs;
  const state = waitForPageState(page, expected, deadline, now).then((found) => {
    if (!found) throw new playwrightErrors.TimeoutError('step deadline');
    return found;
  });
  state.catch(() => undefined);
  try {
    return await raceAbort(
      Promise.race([state, redirect.then((url) => ({ kind: 'redirect' as const, url }))]),
      signal,
      step,
    );
  } catch (error) {
    if (error instanceof playwrightErrors.TimeoutError) {
      const seconds = Math.round(input.stepTimeoutMs / 1000);
      throw new PageError('PAGE_UNRECOGNISED', `No recognised Kite page within ${seconds}s at step ${step} (page: ${loggableUrl(page.url())}); Kite may have changed its page, or shows a captcha or maintenance page.`, {
        step,
        diagnostics: await saveDiagnostics(page, input.diagnosticsDir, step, new Date(now())),
      });
    }
    throw error;
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
