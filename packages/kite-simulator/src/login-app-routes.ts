import { randomBytes } from 'node:crypto';
import type { PageFaults } from './faults.js';
import { htmlReply, jsonReply, notFoundReply, redirectReply, type Reply } from './http-reply.js';
import { VARIANTS } from './page-variants.js';
import { captchaPage, dashboardPage, LOGIN_APP_SCRIPT, loginAppPage, maintenancePage } from './pages.js';
import { shapeAppScript, shapeFrameHtml, shapePageHtml, shapeScriptPath } from './shapes/render.js';
import type { BrowserSession, SimRequest, SimState } from './sim-state.js';

/** kite.zerodha.com's side: the login app and its /api calls (after-code-routes.ts: what comes after the code). */

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
  const shape = state.shape();
  if (shape) return htmlReply(200, shapePageHtml(shape));
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
  const shape = state.shape();
  if (!shape) return htmlReply(404, '<h1>Not found</h1>');
  return htmlReply(200, shapeFrameHtml(shape));
}

/** /static/kite-app.js: the variants' app; /static/js/app.HASH.js: the page shape's. */
export function appScript(state: SimState, { url }: SimRequest): Reply {
  const shape = url.pathname === '/static/kite-app.js' ? undefined : state.shape();
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
  const answer = state.rules.login(form.get('user_id') ?? '', form.get('password') ?? '');
  if (!state.faults.omitTwofaType || answer.body.status !== 'success') return jsonReply(answer);
  // An older answer: no twofa_type, no twofa_types. The page still learns which form to show.
  const data = { ...(answer.body.data as Record<string, unknown>) };
  const factor = String(data['twofa_type']);
  delete data['twofa_type'];
  delete data['twofa_types'];
  return jsonReply({ status: answer.status, body: { status: 'success', data } }, { 'X-Sim-Twofa-Form': factor });
}

export function apiTwofa(state: SimState, { form, session }: SimRequest): Reply {
  const answer = state.rules.twofa(form.get('user_id') ?? '', form.get('request_id') ?? '', form.get('twofa_value') ?? '', form.get('twofa_type') ?? undefined);
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

export function dashboard(): Reply {
  return htmlReply(200, dashboardPage());
}
