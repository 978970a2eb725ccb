import { randomBytes } from 'node:crypto';
import type { PageFaults } from './faults.js';
import { htmlReply, jsonReply, notFoundReply, redirectReply, type Reply } from './http-reply.js';
import type { KiteRules } from './kite-rules.js';
import { VARIANTS, type PageVariant } from './page-variants.js';
import { captchaPage, consentPage, dashboardPage, LOGIN_APP_SCRIPT, loginAppPage, maintenancePage } from './pages.js';
import { shapeAppScript, shapeFrameHtml, shapePageHtml, shapeScriptPath } from './shapes/render.js';
import { generateShape } from './shapes/shape.js';
import type { BrowserSession, SimRequest, SimState } from './sim-state.js';

/** kite.zerodha.com's side: the login app, its /api calls, the finish and consent steps. */

const randomToken = (): string => randomBytes(16).toString('hex');

export function connectLogin(state: SimState, { url }: SimRequest): Reply {
  const app = state.rules.app(url.searchParams.get('api_key'));
  if (!app) return jsonReply({ status: 400, body: { status: 'error', message: 'Invalid `api_key`.', data: null, error_type: 'InputException' } });
  const sessId = url.searchParams.get('sess_id');
  if (!sessId || !state.bySessId.has(sessId)) {
    const created: BrowserSession = { sessId: randomToken(), apiKey: app.apiKey, redirectParams: url.searchParams.get('redirect_params') ?? undefined };
    const cookie = randomToken();
    state.sessions.set(cookie, created);
    state.bySessId.set(created.sessId, created);
    const next = new URL(url.pathname, 'http://simulator');
    next.searchParams.set('api_key', app.apiKey);
    next.searchParams.set('sess_id', created.sessId);
    return redirectReply(`${next.pathname}${next.search}`, { 'Set-Cookie': `kf_session=${cookie}; Path=/; HttpOnly; SameSite=Lax` });
  }
  if (state.faults.loginPage === 'maintenance') return htmlReply(200, maintenancePage());
  if (state.faults.loginPage === 'captcha') return htmlReply(200, captchaPage());
  if (state.shapeSeed !== undefined) return htmlReply(200, shapePageHtml(generateShape(state.shapeSeed)));
  // The page faults are read now, per page load: a test may change them between loads.
  return htmlReply(200, loginAppPage(VARIANTS[state.variant], takePageFaults(state)));
}

/** This load's page faults; `loads` counts them down, and they clear when it reaches 0. */
function takePageFaults(state: SimState): PageFaults | undefined {
  const faults = state.faults.page;
  if (faults?.loads === undefined) return faults;
  if (faults.loads <= 0) return undefined;
  faults.loads -= 1;
  return faults;
}

export function fuzzFrame(state: SimState): Reply {
  if (state.shapeSeed === undefined) return htmlReply(404, '<h1>Not found</h1>');
  return htmlReply(200, shapeFrameHtml(generateShape(state.shapeSeed)));
}

/** /static/kite-app.js: the variants' app; /static/js/app.HASH.js: the page shape's. */
export function appScript(state: SimState, { url }: SimRequest): Reply {
  const shape = url.pathname === '/static/kite-app.js' || state.shapeSeed === undefined ? undefined : generateShape(state.shapeSeed);
  if (shape && url.pathname !== shapeScriptPath(shape)) return notFoundReply();
  return {
    status: 200,
    headers: { 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'no-store' },
    body: shape ? shapeAppScript(shape) : LOGIN_APP_SCRIPT,
  };
}

export function staticFile({ url }: SimRequest): Reply {
  const svg = url.pathname.endsWith('.svg');
  return { status: 200, headers: { 'Content-Type': svg ? 'image/svg+xml' : 'image/png' }, body: svg ? '<svg xmlns="http://www.w3.org/2000/svg"/>' : '' };
}

export function apiLogin(state: SimState, { form }: SimRequest): Reply {
  return jsonReply(state.rules.login(form.get('user_id') ?? '', form.get('password') ?? ''));
}

export function apiTwofa(state: SimState, { form, session }: SimRequest): Reply {
  const answer = state.rules.twofa(form.get('user_id') ?? '', form.get('request_id') ?? '', form.get('twofa_value') ?? '');
  if (answer.status !== 200) return jsonReply(answer);
  const userId = (answer.body as { data: { user_id: string } }).data.user_id;
  // Kite's side of the session knows the user now, whether or not its answer reaches the browser.
  if (session) session.userId = userId;
  return jsonReply(answer, {
    'Set-Cookie': [
      `enctoken=${randomToken()}; Path=/; HttpOnly; SameSite=Lax`,
      `public_token=${randomToken()}; Path=/; SameSite=Lax`,
      `user_id=${userId}; Path=/; SameSite=Lax`,
    ],
  });
}

export function connectFinish(state: SimState, { url, session }: SimRequest): Reply {
  const sess = state.bySessId.get(url.searchParams.get('sess_id') ?? '');
  if (!sess || sess !== session || !sess.userId) {
    return redirectReply(`/connect/login?api_key=${encodeURIComponent(url.searchParams.get('api_key') ?? '')}&v=3`);
  }
  if (state.faults.landOnDashboard) return redirectReply('/dashboard');
  if (!state.rules.hasConsent(sess.apiKey, sess.userId)) return redirectReply(`/connect/authorize?sess_id=${sess.sessId}&v=3`);
  return redirectReply(finalRedirect(state.rules, sess, state.variant));
}

export function connectAuthorize(state: SimState, { method, url, form, session }: SimRequest): Reply {
  if (method === 'POST') {
    const sess = state.bySessId.get(form.get('sess_id') ?? '');
    if (!sess || sess !== session || !sess.userId) return htmlReply(403, dashboardPage());
    state.rules.giveConsent(sess.apiKey, sess.userId);
    return redirectReply(finalRedirect(state.rules, sess, state.variant));
  }
  const sess = state.bySessId.get(url.searchParams.get('sess_id') ?? '');
  if (!sess || sess !== session || !sess.userId) return redirectReply('/dashboard');
  return htmlReply(200, consentPage(state.rules.app(sess.apiKey)?.name ?? 'Kite Connect app', sess.sessId));
}

export function dashboard(): Reply {
  return htmlReply(200, dashboardPage());
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
