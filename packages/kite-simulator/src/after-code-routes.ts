import { stepControls, stepPlan, type AfterCodeStep } from './after-code.js';
import { consentStepPage, decoyPage, offerStepPage } from './after-code-pages.js';
import { htmlReply, redirectReply, type Reply } from './http-reply.js';
import type { KiteRules } from './kite-rules.js';
import { dashboardPage } from './pages.js';
import type { PageVariant } from './page-variants.js';
import type { BrowserSession, SimRequest, SimState } from './sim-state.js';

/**
 * kite.zerodha.com after the second factor: /connect/finish, then each step of the session's
 * plan (the configured steps, the app's consent at the end when none of them is one), then the
 * final redirect with the request_token. Every press on a step page is recorded in
 * `state.steps`; a decoy spoils the session for good: from then on it only reaches /dashboard.
 */

/** The steps configured: the simulator's `faults.afterCode`, else the served page shape's. */
function configured(state: SimState): readonly AfterCodeStep[] {
  return state.faults.afterCode ?? state.shape()?.afterCode ?? [];
}

/** The session's next step to show (consent already given is passed by), or undefined: none left. */
function nextStep(state: SimState, sess: BrowserSession & { userId: string }): { index: number; step: AfterCodeStep } | undefined {
  const plan = stepPlan(configured(state));
  for (let index = sess.stepsDone ?? 0; index < plan.length; index += 1) {
    const step = plan[index] as AfterCodeStep;
    if (step.kind === 'consent' && !(step.always ?? false) && state.rules.hasConsent(sess.apiKey, sess.userId)) continue;
    sess.stepsDone = index;
    return { index, step };
  }
  sess.stepsDone = plan.length;
  return undefined;
}

/** Where the session goes next: its next step's page, or the app with a request_token. */
function onward(state: SimState, sess: BrowserSession & { userId: string }): Reply {
  const next = nextStep(state, sess);
  if (!next) return redirectReply(finalRedirect(state.rules, sess, state.variant));
  if (next.step.kind === 'consent') return redirectReply(`/connect/authorize?sess_id=${sess.sessId}&v=3`);
  return redirectReply(`/connect/step?sess_id=${sess.sessId}&step=${next.index}`);
}

/** The browser's own session, known to have passed the second factor; undefined otherwise. */
function loggedIn(state: SimState, sessId: string | null, session: BrowserSession | undefined): (BrowserSession & { userId: string }) | undefined {
  const sess = state.bySessId.get(sessId ?? '');
  return sess && sess === session && sess.userId !== undefined ? sess as BrowserSession & { userId: string } : undefined;
}

export function connectFinish(state: SimState, { url, session }: SimRequest): Reply {
  const sess = loggedIn(state, url.searchParams.get('sess_id'), session);
  if (!sess) return redirectReply(`/connect/login?api_key=${encodeURIComponent(url.searchParams.get('api_key') ?? '')}&v=3`);
  if (state.faults.landOnDashboard || sess.spoiled) return redirectReply('/dashboard');
  return onward(state, sess);
}

/** GET shows the session's current step if it is of `kind`; POST takes a press on it. */
function stepRoute(state: SimState, request: SimRequest, kind: AfterCodeStep['kind']): Reply {
  const { method, url, form, session } = request;
  const post = method === 'POST';
  const sess = loggedIn(state, post ? form.get('sess_id') : url.searchParams.get('sess_id'), session);
  if (!sess) return post ? htmlReply(403, dashboardPage()) : redirectReply('/dashboard');
  if (sess.spoiled) return redirectReply('/dashboard');
  const current = nextStep(state, sess);
  if (!current || current.step.kind !== kind) return onward(state, sess);
  const { index, step } = current;
  const controls = stepControls(step);
  const page = (): Reply => htmlReply(200, step.kind === 'consent'
    ? consentStepPage(state.rules.app(sess.apiKey)?.name ?? 'Kite Connect app', sess.sessId, index, step, controls)
    : offerStepPage(sess.sessId, index, step, controls));
  if (!post) return page();

  const postedStep = form.get('step');
  if (postedStep !== null && postedStep !== String(index)) return onward(state, sess); // a page of a step already passed
  const choice = form.get('choice');
  // A post naming no control (an old one-button consent form) can only mean the one way on, and only where there is no other.
  const pressed = choice === null
    ? controls.length === 1 ? controls[0] : undefined
    : controls.find((c) => String(c.choice) === choice);
  if (!pressed) return page();
  state.steps.push({
    at: state.now(), userId: sess.userId, index, kind: step.kind, offer: step.kind === 'offer' ? step.offer : undefined,
    pressed: pressed.text, outcome: pressed.role === 'go-on' ? 'went-on' : 'decoy',
  });
  if (pressed.role === 'decoy') {
    sess.spoiled = pressed.text;
    const ends = decoyPage(step, pressed.text, `/connect/login?api_key=${encodeURIComponent(sess.apiKey)}&v=3`);
    return 'redirect' in ends ? redirectReply(ends.redirect) : htmlReply(200, ends.html);
  }
  if (step.kind === 'consent') state.rules.giveConsent(sess.apiKey, sess.userId);
  sess.stepsDone = index + 1;
  return onward(state, sess);
}

/** /connect/authorize: the app's consent page, in the words its step gives. */
export function connectAuthorize(state: SimState, request: SimRequest): Reply {
  return stepRoute(state, request, 'consent');
}

/** /connect/step: an optional offer after the code. */
export function connectStep(state: SimState, request: SimRequest): Reply {
  return stepRoute(state, request, 'offer');
}

/** The app's redirect URL with Kite's parameters (their order differs between eras). */
function finalRedirect(rules: KiteRules, sess: BrowserSession, variant: PageVariant): string {
  const app = rules.app(sess.apiKey);
  if (!app || !sess.userId) return '/dashboard';
  const requestToken = rules.issueRequestToken(app.apiKey, sess.userId);
  const target = new URL(app.redirectUrl);
  const pairs: [string, string][] = variant === '2018' || variant === 'pin'
    ? [['request_token', requestToken], ['action', 'login'], ['status', 'success']]
    : [['action', 'login'], ['type', 'login'], ['status', 'success'], ['request_token', requestToken]];
  for (const [key, value] of pairs) target.searchParams.append(key, value);
  if (sess.redirectParams) {
    for (const [key, value] of new URLSearchParams(sess.redirectParams)) target.searchParams.append(key, value);
  }
  return target.toString();
}
