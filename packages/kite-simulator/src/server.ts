import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { takeFault, type Faults, type RouteFault, type RouteName } from './faults.js';
import { KiteRules, type ApiAnswer, type SimAccount, type SimApp } from './kite-rules.js';
import { VARIANTS, type PageVariant } from './page-variants.js';
import { captchaPage, consentPage, dashboardPage, LOGIN_APP_SCRIPT, loginAppPage, maintenancePage } from './pages.js';
import { shapeAppScript, shapeFrameHtml, shapePageHtml, shapeScriptPath } from './shapes/render.js';
import { generateShape } from './shapes/shape.js';

export interface SimulatorOptions {
  accounts: SimAccount[];
  apps: SimApp[];
  /** The page of which era the login app renders. Default `newest`. */
  variant?: PageVariant;
  /** Epoch ms; tests move it. Default Date.now. */
  now?: () => number;
  /** Kite's clock minus the machine's, ms: Kite's own time is `now() + clockOffsetMs`. Default 0. */
  clockOffsetMs?: number;
  /** TOTP windows accepted either side of the current one. Default 0. */
  totpSkewWindows?: number;
  /** Loopback only. Default 127.0.0.1. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /** Default 0: a free port. */
  port?: number;
  /** Serve the fuzzed login app of this page-shape seed instead of `variant`'s (shapes/). */
  shapeSeed?: number | undefined;
}

/** One request the simulator served; never holds a secret. */
export interface RecordedRequest {
  at: number;
  method: string;
  route: RouteName;
  path: string;
  status: number;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT`: both kite.zerodha.com and api.kite.trade. */
  readonly origin: string;
  /** For KITE_LOGIN_URL. */
  readonly loginUrl: string;
  /** For KITE_API_ROOT. */
  readonly apiRoot: string;
  readonly rules: KiteRules;
  readonly faults: Faults;
  readonly requests: readonly RecordedRequest[];
  variant: PageVariant;
  /** The page-shape seed whose login app /connect/login serves; undefined: the `variant` app. */
  shapeSeed: number | undefined;
  /** Kite's clock minus the machine's (ms); tests may change it between logins. */
  clockOffsetMs: number;
  /** How many requests reached a route (e.g. `count('api-login')` = password attempts). */
  count(route: RouteName): number;
  close(): Promise<void>;
}

interface BrowserSession { sessId: string; apiKey: string; redirectParams: string | undefined; userId?: string }

/** Starts a Kite simulator on a loopback port. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const machineNow = options.now ?? Date.now;
  let clockOffsetMs = options.clockOffsetMs ?? 0;
  // Kite's own clock: the TOTP check, token times and every response's Date header use it.
  const now = (): number => machineNow() + clockOffsetMs;
  let variant: PageVariant = options.variant ?? 'newest';
  let shapeSeed: number | undefined = options.shapeSeed;
  const rules = new KiteRules({
    accounts: options.accounts,
    apps: options.apps,
    now,
    totpSkewWindows: options.totpSkewWindows ?? 0,
    get messageStyle() { return VARIANTS[variant].messageStyle; },
  });
  const faults: Faults = { routes: {}, users: {} };
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, BrowserSession>(); // by kf_session cookie
  const bySessId = new Map<string, BrowserSession>();
  const recentApiCalls = new Map<string, number[]>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const route = routeOf(req.method ?? 'GET', url.pathname);
    res.setHeader('Date', new Date(now()).toUTCString());
    // On close, not finish: a request whose client went away before the answer still reached Kite.
    res.on('close', () => requests.push({ at: now(), method: req.method ?? 'GET', route, path: url.pathname, status: res.writableFinished ? res.statusCode : 0 }));

    // The body first (GETs have none): a fault for one user needs to know whose request this is.
    const body = await readBody(req);
    const form = new URLSearchParams(body);
    const cookies = parseCookies(req.headers.cookie);
    const session = cookies.kf_session ? sessions.get(cookies.kf_session) : undefined;

    const fault = takeFault(faults, route, userOf(route, form, session, req.headers.authorization));
    if (fault?.latencyMs) await delay(fault.latencyMs);
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.status) { sendFaultStatus(res, fault); return; }

    switch (route) {
      case 'connect-login': {
        const app = rules.app(url.searchParams.get('api_key'));
        if (!app) { sendJson(res, { status: 400, body: { status: 'error', message: 'Invalid `api_key`.', data: null, error_type: 'InputException' } }); return; }
        const sessId = url.searchParams.get('sess_id');
        if (!sessId || !bySessId.has(sessId)) {
          const created: BrowserSession = { sessId: randomToken(), apiKey: app.apiKey, redirectParams: url.searchParams.get('redirect_params') ?? undefined };
          const cookie = randomToken();
          sessions.set(cookie, created);
          bySessId.set(created.sessId, created);
          const next = new URL(url.pathname, 'http://simulator');
          next.searchParams.set('api_key', app.apiKey);
          next.searchParams.set('sess_id', created.sessId);
          res.setHeader('Set-Cookie', `kf_session=${cookie}; Path=/; HttpOnly; SameSite=Lax`);
          redirect(res, `${next.pathname}${next.search}`);
          return;
        }
        if (faults.loginPage === 'maintenance') { sendHtml(res, 200, maintenancePage()); return; }
        if (faults.loginPage === 'captcha') { sendHtml(res, 200, captchaPage()); return; }
        if (shapeSeed !== undefined) { sendHtml(res, 200, shapePageHtml(generateShape(shapeSeed))); return; }
        sendHtml(res, 200, loginAppPage(VARIANTS[variant]));
        return;
      }
      case 'fuzz-frame':
        if (shapeSeed === undefined) { sendHtml(res, 404, '<h1>Not found</h1>'); return; }
        sendHtml(res, 200, shapeFrameHtml(generateShape(shapeSeed)));
        return;
      case 'fuzz-typed':
      case 'fuzz-harm':
        // Recorded (on close) like every request; the body names a field or an effect, never a value.
        res.writeHead(204);
        return void res.end();
      case 'app-script': {
        // /static/kite-app.js: the variants' app; /static/js/app.HASH.js: the page shape's.
        const shape = url.pathname === '/static/kite-app.js' || shapeSeed === undefined ? undefined : generateShape(shapeSeed);
        if (shape && url.pathname !== shapeScriptPath(shape)) { sendJson(res, { status: 404, body: { status: 'error', message: 'Route not found', data: null, error_type: 'GeneralException' } }); return; }
        res.writeHead(200, { 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
        return void res.end(shape ? shapeAppScript(shape) : LOGIN_APP_SCRIPT);
      }
      case 'static':
        res.writeHead(200, { 'Content-Type': url.pathname.endsWith('.svg') ? 'image/svg+xml' : 'image/png' });
        return void res.end(url.pathname.endsWith('.svg') ? '<svg xmlns="http://www.w3.org/2000/svg"/>' : '');
      case 'api-login':
        sendJson(res, rules.login(form.get('user_id') ?? '', form.get('password') ?? ''));
        return;
      case 'api-twofa': {
        const answer = rules.twofa(form.get('user_id') ?? '', form.get('request_id') ?? '', form.get('twofa_value') ?? '');
        if (answer.status === 200) {
          const userId = (answer.body as { data: { user_id: string } }).data.user_id;
          if (session) session.userId = userId;
          res.setHeader('Set-Cookie', [
            `enctoken=${randomToken()}; Path=/; HttpOnly; SameSite=Lax`,
            `public_token=${randomToken()}; Path=/; SameSite=Lax`,
            `user_id=${userId}; Path=/; SameSite=Lax`,
          ]);
        }
        sendJson(res, answer);
        return;
      }
      case 'connect-finish': {
        const sess = bySessId.get(url.searchParams.get('sess_id') ?? '');
        if (!sess || sess !== session || !sess.userId) {
          redirect(res, `/connect/login?api_key=${encodeURIComponent(url.searchParams.get('api_key') ?? '')}&v=3`);
          return;
        }
        if (faults.landOnDashboard) { redirect(res, '/dashboard'); return; }
        if (!rules.hasConsent(sess.apiKey, sess.userId)) { redirect(res, `/connect/authorize?sess_id=${sess.sessId}&v=3`); return; }
        redirect(res, finalRedirect(rules, sess, variant));
        return;
      }
      case 'connect-authorize': {
        if (req.method === 'POST') {
          const sess = bySessId.get(form.get('sess_id') ?? '');
          if (!sess || sess !== session || !sess.userId) { sendHtml(res, 403, dashboardPage()); return; }
          rules.giveConsent(sess.apiKey, sess.userId);
          redirect(res, finalRedirect(rules, sess, variant));
          return;
        }
        const sess = bySessId.get(url.searchParams.get('sess_id') ?? '');
        if (!sess || sess !== session || !sess.userId) { redirect(res, '/dashboard'); return; }
        sendHtml(res, 200, consentPage(rules.app(sess.apiKey)?.name ?? 'Kite Connect app', sess.sessId));
        return;
      }
      case 'dashboard':
        sendHtml(res, 200, dashboardPage());
        return;
      case 'session-token': {
        if (overRateLimit(recentApiCalls, form.get('api_key') ?? '', now())) { sendJson(res, tooManyRequests()); return; }
        if (!/application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
          sendJson(res, { status: 400, body: { status: 'error', message: 'Invalid request. Parameters must be form-encoded.', data: null, error_type: 'InputException' } });
          return;
        }
        sendJson(res, rules.exchange({
          api_key: form.get('api_key') ?? undefined,
          request_token: form.get('request_token') ?? undefined,
          checksum: form.get('checksum') ?? undefined,
        }));
        return;
      }
      case 'user-profile':
        if (overRateLimit(recentApiCalls, apiKeyOf(req.headers.authorization), now())) { sendJson(res, tooManyRequests()); return; }
        sendJson(res, rules.profile(req.headers.authorization));
        return;
      default:
        sendJson(res, { status: 404, body: { status: 'error', message: 'Route not found', data: null, error_type: 'GeneralException' } });
    }
  };

  /** Whose request this is, where Kite can tell: the form, the browser session, or a token. */
  const userOf = (route: RouteName, form: URLSearchParams, session: BrowserSession | undefined, authorization: string | undefined): string | undefined => {
    switch (route) {
      case 'api-login':
      case 'api-twofa':
        return form.get('user_id') ?? undefined;
      case 'connect-finish':
      case 'connect-authorize':
        return session?.userId;
      case 'session-token':
        return rules.userOfRequestToken(form.get('request_token') ?? '');
      case 'user-profile':
        return rules.userOfAuthorization(authorization);
      default:
        return undefined;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, { status: 500, body: { status: 'error', message: 'Internal error', data: null, error_type: 'GeneralException' } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;

  return {
    origin,
    loginUrl: `${origin}/connect/login`,
    apiRoot: origin,
    rules,
    faults,
    requests,
    get variant() { return variant; },
    set variant(next: PageVariant) { variant = next; },
    get shapeSeed() { return shapeSeed; },
    set shapeSeed(next: number | undefined) { shapeSeed = next; },
    get clockOffsetMs() { return clockOffsetMs; },
    set clockOffsetMs(next: number) { clockOffsetMs = next; },
    count: (route) => requests.filter((r) => r.route === route).length,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function routeOf(method: string, path: string): RouteName {
  if (path === '/connect/login') return 'connect-login';
  if (path === '/static/kite-app.js' || /^\/static\/js\/app\.[0-9a-f]+\.js$/.test(path)) return 'app-script';
  if (path.startsWith('/static/')) return 'static';
  if (path === '/api/login' && method === 'POST') return 'api-login';
  if (path === '/api/twofa' && method === 'POST') return 'api-twofa';
  if (path === '/connect/finish') return 'connect-finish';
  if (path === '/connect/authorize') return 'connect-authorize';
  if (path === '/dashboard') return 'dashboard';
  if (path === '/session/token' && method === 'POST') return 'session-token';
  if (path === '/user/profile' && method === 'GET') return 'user-profile';
  if (path === '/fuzz/frame') return 'fuzz-frame';
  if (path === '/fuzz/typed' && method === 'POST') return 'fuzz-typed';
  if (path === '/fuzz/harm' && method === 'POST') return 'fuzz-harm';
  return 'unknown';
}

/** The app's redirect URL with Kite's parameters (their order differs between eras). */
function finalRedirect(rules: KiteRules, sess: BrowserSession & { userId?: string }, variant: PageVariant): string {
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

function sendFaultStatus(res: ServerResponse, fault: RouteFault): void {
  const status = fault.status ?? 503;
  if (status === 502 || status === 504) {
    sendHtml(res, status, `<html><head><title>${status}</title></head><body><center><h1>${status} ${status === 502 ? 'Bad Gateway' : 'Gateway Time-out'}</h1></center></body></html>`);
    return;
  }
  if (status === 429) { sendJson(res, tooManyRequests()); return; }
  sendJson(res, { status, body: { status: 'error', message: fault.message ?? 'Service unavailable. Please try again later.', data: null, error_type: 'GeneralException' } });
}

function tooManyRequests(): ApiAnswer {
  return { status: 429, body: { status: 'error', message: 'Too many requests', data: null, error_type: 'NetworkException' } };
}

/** The api_key of `Authorization: token api_key:access_token`, or '' without one. */
function apiKeyOf(authorization: string | undefined): string {
  return /^token\s+([^:\s]+):/.exec(authorization ?? '')?.[1] ?? '';
}

/**
 * Kite allows 10 requests a second on most endpoints, counted per app: every request with one
 * api_key, whichever user and endpoint, adds to the same count; another app has its own.
 */
function overRateLimit(calls: Map<string, number[]>, key: string, at: number): boolean {
  const recent = (calls.get(key) ?? []).filter((t) => at - t < 1_000);
  recent.push(at);
  calls.set(key, recent);
  return recent.length > 10;
}

function sendJson(res: ServerResponse, answer: ApiAnswer): void {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Content-Length': 0 });
  res.end();
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) out[part.slice(0, index).trim()] = part.slice(index + 1).trim();
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const randomToken = (): string => randomBytes(16).toString('hex');

/** Unref'd: a slow-route fault never keeps a test process alive. */
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
