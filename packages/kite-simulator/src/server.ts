import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StepPress } from './after-code.js';
import { backgroundHit, plannedBackgroundFault, type BackgroundHit } from './background.js';
import { takeFault, type Faults, type RouteName } from './faults.js';
import { faultStatusReply, jsonReply, parseCookies, readBody, send } from './http-reply.js';
import { KiteRules, type SimAccount, type SimApp } from './kite-rules.js';
import { VARIANTS, type PageVariant } from './page-variants.js';
import { RequestLog, type ReceivedRequest, type RecordedRequest, type WaitOptions } from './request-log.js';
import { answer, routeOf, userOf } from './routes.js';
import { generateShape } from './shapes/shape.js';
import type { Shape } from './shapes/shape-types.js';
import type { BrowserSession, SimRequest, SimState } from './sim-state.js';

export type { RecordedRequest } from './request-log.js';

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

export interface Simulator {
  /** `http://127.0.0.1:PORT`: both kite.zerodha.com and api.kite.trade. */
  readonly origin: string;
  /** For KITE_LOGIN_URL. */
  readonly loginUrl: string;
  /** For KITE_API_ROOT. */
  readonly apiRoot: string;
  readonly rules: KiteRules;
  readonly faults: Faults;
  /** Every request once its connection is done with it (answered, dropped, held until closed, ...). */
  readonly requests: readonly RecordedRequest[];
  /** Every request as it arrived, before its answer (a held request is here at once). */
  readonly received: readonly ReceivedRequest[];
  /** Every press on a page after the code (consent, offers): the words pressed, whether it was a decoy. */
  readonly steps: readonly StepPress[];
  /** Every background request of a page (beacons, analytics posts): field names, and whether a value was a secret. */
  readonly background: readonly BackgroundHit[];
  variant: PageVariant;
  /** The page-shape seed whose login app /connect/login serves; undefined: the `variant` app. */
  shapeSeed: number | undefined;
  /** Kite's clock minus the machine's (ms); tests may change it between logins. */
  clockOffsetMs: number;
  /** How many requests reached a route (e.g. `count('api-login')` = password attempts). */
  count(route: RouteName): number;
  /**
   * Resolves with the `nth` request (from 1, counted since the start) to `route` once its
   * headers and body have been read, before any `latencyMs` and before it is answered; at once
   * if it already has arrived. Rejects when `signal` aborts or the simulator closes first.
   */
  waitForRequest(route: RouteName, nth: number, options?: WaitOptions): Promise<ReceivedRequest>;
  /** The next request to `route` after those already received (see waitForRequest). */
  nextRequest(route: RouteName, options?: WaitOptions): Promise<ReceivedRequest>;
  /** Ends every connection (held ones too) and every pending wait; resolves once the port is free. */
  close(): Promise<void>;
}

/** Starts a Kite simulator on a loopback port. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const machineNow = options.now ?? Date.now;
  let clockOffsetMs = options.clockOffsetMs ?? 0;
  // Kite's own clock: the TOTP check, token times and every response's Date header use it.
  const now = (): number => machineNow() + clockOffsetMs;
  let variant: PageVariant = options.variant ?? 'newest';
  let shapeSeed: number | undefined = options.shapeSeed;
  let drawn: Shape | undefined;
  const shape = (): Shape | undefined => {
    if (shapeSeed === undefined) return undefined;
    if (drawn?.seed !== shapeSeed) drawn = generateShape(shapeSeed);
    return drawn;
  };
  const rules = new KiteRules({
    accounts: options.accounts,
    apps: options.apps,
    now,
    totpSkewWindows: options.totpSkewWindows ?? 0,
    get messageStyle() { return VARIANTS[variant].messageStyle; },
    // A page shape that asks for the App Code or an SMS OTP is a world whose accounts have no external TOTP.
    get factorOverride() {
      const factor = shape()?.secondFactor;
      return factor === 'totp' ? undefined : factor;
    },
  });
  const faults: Faults = { routes: {}, users: {} };
  const log = new RequestLog();
  const state: SimState = {
    rules,
    faults,
    get variant() { return variant; },
    get shapeSeed() { return shapeSeed; },
    now,
    sessions: new Map<string, BrowserSession>(), // by kf_session cookie
    bySessId: new Map<string, BrowserSession>(),
    recentApiCalls: new Map<string, number[]>(),
    shape,
    steps: [],
    background: [],
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulator');
    const route = routeOf(method, url.pathname);
    res.setHeader('Date', new Date(now()).toUTCString());
    // On close, not finish: a request whose client went away before the answer still reached Kite.
    res.on('close', () => { log.record({ at: now(), method, route, path: url.pathname, status: res.writableFinished ? res.statusCode : 0 }); });

    // The body first (GETs have none): a fault for one user needs to know whose request this is.
    const body = await readBody(req);
    const cookies = parseCookies(req.headers.cookie);
    const request: SimRequest = {
      method,
      url,
      headers: req.headers,
      form: new URLSearchParams(body),
      session: cookies.kf_session ? state.sessions.get(cookies.kf_session) : undefined,
    };
    const userId = userOf(state, route, request);
    log.arrive({ at: now(), method, route, path: url.pathname, userId });
    if (route === 'background') state.background.push(backgroundHit(rules, url.pathname, request.form, now()));

    const fault = takeFault(faults, route, userId) ?? (route === 'background' ? plannedBackgroundFault(shape(), url) : undefined);
    if (fault?.latencyMs) await delay(fault.latencyMs);
    // Faults of a Kite that never processed the request.
    if (fault?.drop) { req.socket.destroy(); return; }
    if (fault?.status) { send(res, faultStatusReply(fault)); return; }

    const reply = answer(state, route, request);
    // Faults of a Kite that processed it (its rules have run above) and whose answer never arrives.
    if (fault?.hold) { hold(req); return; }
    if (fault?.lose) { req.socket.destroy(); return; }
    send(res, reply);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, jsonReply({ status: 500, body: { status: 'error', message: 'Internal error', data: null, error_type: 'GeneralException' } }));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => { resolve(); });
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
    requests: log.recorded,
    received: log.received,
    steps: state.steps,
    background: state.background,
    get variant() { return variant; },
    set variant(next: PageVariant) { variant = next; },
    get shapeSeed() { return shapeSeed; },
    set shapeSeed(next: number | undefined) { shapeSeed = next; },
    get clockOffsetMs() { return clockOffsetMs; },
    set clockOffsetMs(next: number) { clockOffsetMs = next; },
    count: (route) => log.count(route),
    waitForRequest: (route, nth, waitOptions) => log.waitFor(route, nth, waitOptions),
    nextRequest: (route, waitOptions) => log.waitFor(route, log.receivedCount(route) + 1, waitOptions),
    close: () => new Promise<void>((resolve) => {
      log.close();
      server.close(() => { resolve(); });
      // Held requests included: each is an open connection, and closing ends every one now.
      server.closeAllConnections();
    }),
  };
}

/**
 * Keeps a processed request's connection open with no answer, until the client goes away or
 * the simulator closes. Unref'd: a held connection alone never keeps a process running.
 */
function hold(req: IncomingMessage): void {
  req.socket.unref();
}

/** Unref'd: a slow-route fault never keeps a test process alive. */
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
