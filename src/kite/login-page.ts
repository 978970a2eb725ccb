import type { Page } from 'playwright';
import { describeUnexpected, isAutologinError, KiteUnavailableError } from '../errors/index.js';
import { raceAbort } from './attempt-deadline.js';
import { within } from './bounded.js';
import { KiteClock } from './kite-clock.js';
import { loggableUrl } from './redirect.js';

/** Every response from Kite's login host tells its time (see KiteClock). */
export function watchKiteClock(page: Page, loginUrl: string, now: () => number): KiteClock {
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

export async function openLoginPage(page: Page, input: { loginUrl: string; stepTimeoutMs: number }, signal: AbortSignal | undefined): Promise<void> {
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
