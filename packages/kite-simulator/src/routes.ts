import { connectAuthorize, connectFinish, connectStep } from './after-code-routes.js';
import { sessionToken, userProfile } from './api-routes.js';
import { isBackgroundPath } from './background.js';
import type { RouteName } from './faults.js';
import { notFoundReply, type Reply } from './http-reply.js';
import { apiLogin, apiTwofa, appScript, connectLogin, dashboard, fuzzFrame, staticFile } from './login-app-routes.js';
import type { SimRequest, SimState } from './sim-state.js';

export function routeOf(method: string, path: string): RouteName {
  if (path === '/connect/login') return 'connect-login';
  if (path === '/static/kite-app.js' || /^\/static\/js\/app\.[0-9a-f]+\.js$/.test(path)) return 'app-script';
  if (path.startsWith('/static/')) return 'static';
  if (path === '/api/login' && method === 'POST') return 'api-login';
  if (path === '/api/twofa' && method === 'POST') return 'api-twofa';
  if (path === '/connect/finish') return 'connect-finish';
  if (path === '/connect/authorize') return 'connect-authorize';
  if (path === '/connect/step') return 'connect-step';
  if (isBackgroundPath(path) && method === 'POST') return 'background';
  if (path === '/dashboard') return 'dashboard';
  if (path === '/session/token' && method === 'POST') return 'session-token';
  if (path === '/user/profile' && method === 'GET') return 'user-profile';
  if (path === '/fuzz/frame') return 'fuzz-frame';
  if (/^\/fuzz\/typed(\/[a-z]+)?$/.test(path) && method === 'POST') return 'fuzz-typed';
  if (path === '/fuzz/harm' && method === 'POST') return 'fuzz-harm';
  return 'unknown';
}

/** Whose request this is, where Kite can tell: the form, the browser session, or a token. */
export function userOf(state: SimState, route: RouteName, { form, session, headers }: SimRequest): string | undefined {
  switch (route) {
    case 'api-login':
    case 'api-twofa':
      return form.get('user_id') ?? undefined;
    case 'connect-finish':
    case 'connect-authorize':
    case 'connect-step':
      return session?.userId;
    case 'session-token':
      return state.rules.userOfRequestToken(form.get('request_token') ?? '');
    case 'user-profile':
      return state.rules.userOfAuthorization(headers.authorization);
    default:
      return undefined;
  }
}

/** Runs the request through Kite (its rules and state change here) and says what Kite answers. */
export function answer(state: SimState, route: RouteName, request: SimRequest): Reply {
  switch (route) {
    case 'connect-login': return connectLogin(state, request);
    case 'fuzz-frame': return fuzzFrame(state);
    // Recorded like every request; the body names a field or an effect, never a value.
    case 'fuzz-typed':
    case 'fuzz-harm':
    case 'background': return { status: 204, headers: {}, body: '' };
    case 'app-script': return appScript(state, request);
    case 'static': return staticFile(request);
    case 'api-login': return apiLogin(state, request);
    case 'api-twofa': return apiTwofa(state, request);
    case 'connect-finish': return connectFinish(state, request);
    case 'connect-authorize': return connectAuthorize(state, request);
    case 'connect-step': return connectStep(state, request);
    case 'dashboard': return dashboard();
    case 'session-token': return sessionToken(state, request);
    case 'user-profile': return userProfile(state, request);
    default: return notFoundReply();
  }
}
