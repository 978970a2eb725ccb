import { errors as playwrightErrors, type Page } from 'playwright';
import type { Logger } from '../logger.js';
import { AbortedError, describeUnexpected, KiteUnavailableError, PageError, type LoginStep } from '../errors/index.js';
import { DEFAULT_MIN_WINDOW_LEFT_MS, totpCode, totpWaitMs } from '../totp.js';
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
  step: LoginStep | 'totp-wait';
  detail?: Record<string, string | number | boolean>;
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
}

type Outcome = PageState | { kind: 'redirect'; url: string };

/**
 * Drives a page through Kite's login: user id and password, the TOTP, the consent page when
 * shown, and returns the request_token read from the redirect request to the app's URL.
 * Each wait is for a recognised page state, bounded by the step timeout; an unknown page
 * leaves diagnostics and a PageError. The caller owns (and closes) the browser.
 */
export async function runLoginFlow(page: Page, input: LoginFlowInput, deps: LoginFlowDeps): Promise<{ requestToken: string }> {
  const now = deps.now ?? Date.now;
  const emit = (event: FlowEvent): void => deps.onStep?.(event);
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
    await page.locator(state.user).fill(input.userId);
    await page.locator(state.password).fill(input.password);
    await submit(page, state.submit, state.password);
    state = await waitFor(['second-factor', 'security-questions', 'consent', 'error', 'dashboard', 'captcha'], 'credentials');
    throwOnError(state, 'credentials');
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
    const waitMs = totpWaitMs(now(), deps.minTotpWindowLeftMs ?? DEFAULT_MIN_WINDOW_LEFT_MS);
    if (waitMs > 0) {
      await deps.sleep(waitMs, deps.signal).catch(() => { throw new AbortedError('Stopped while waiting for the next TOTP window.', { step: 'second-factor' }); });
      emit({ step: 'totp-wait', detail: { waitedMs: waitMs } });
    }
    await typeCode(page, state, totpCode(input.totpSecret, now()));
    state = await waitFor(['consent', 'error', 'dashboard'], 'second-factor');
    throwOnError(state, 'second-factor');
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
  return { requestToken };
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

/**
 * Types the code, then submits it unless the page already did: some Kite versions submit
 * by themselves at the sixth digit, and a second submission would be a second attempt.
 */
async function typeCode(page: Page, state: Extract<PageState, { kind: 'second-factor' }>, code: string): Promise<void> {
  let posted = false;
  const onRequest = (request: { method(): string; resourceType(): string }): void => {
    if (request.method() === 'POST' && ['xhr', 'fetch', 'document'].includes(request.resourceType())) posted = true;
  };
  page.on('request', onRequest);
  try {
    await page.locator(state.code).fill(code);
    // A round trip to the page: its input handlers have run and any request they started
    // has been reported to us before this returns.
    await page.evaluate(() => document.readyState).catch(() => undefined);
    if (!posted) await submit(page, state.submit, state.code);
  } finally {
    page.off('request', onRequest);
  }
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
