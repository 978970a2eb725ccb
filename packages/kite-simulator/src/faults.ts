import type { AfterCodeStep } from './after-code.js';

/** Which part of Kite a request hit; faults and the request record key on it. */
export const ROUTES = [
  'connect-login', 'login-app', 'app-script', 'static', 'api-login', 'api-twofa', 'connect-finish',
  'connect-authorize', 'connect-step', 'dashboard', 'session-token', 'user-profile',
  // A page's beacons and analytics posts (/api/analytics, /api/events, /collect, /track).
  'background',
  // The page-shape fuzzer (shapes/): its iframe document, and what its app reports.
  'fuzz-frame', 'fuzz-typed', 'fuzz-harm',
  'unknown',
] as const;
export type RouteName = (typeof ROUTES)[number];

/**
 * A fault on one route. `drop` and `status` are a Kite that never processed the request;
 * `hold` and `lose` are a Kite that did (a wrong password counts, a request_token is spent)
 * and whose answer never arrives. When several are set, `drop` wins, then `status`, then `hold`.
 */
export interface RouteFault {
  /** Delay before the request is processed and answered, ms. Default none. */
  latencyMs?: number | undefined;
  /** Answer this HTTP status instead (5xx, 429). 502/504 come as a proxy's HTML, others as Kite JSON. Default none. */
  status?: number | undefined;
  /** The message of a 5xx's Kite JSON body. Default "Service unavailable. Please try again later." */
  message?: string | undefined;
  /** Close the connection without an answer, before Kite processes the request. Default false. */
  drop?: boolean | undefined;
  /**
   * Process the request (Kite's rules run, exactly as they would), then never answer: the
   * connection stays open until the client goes away or the simulator closes. Default false.
   */
  hold?: boolean | undefined;
  /** Process the request, then close the connection without an answer: the answer was lost. Default false. */
  lose?: boolean | undefined;
  /** How many requests it applies to, then it clears. Default: all. */
  times?: number | undefined;
}

/** Where the login app's own script locks up its main thread for good. */
export interface PageLockUp {
  /**
   * `form`: once the credentials form has been rendered, after `delayMs`; `after-password`:
   * once the page has received the answer to its /api/login POST; `after-code`: once it has
   * received the answer to its /api/twofa POST. The requests themselves go out and are answered.
   */
  at: 'form' | 'after-password' | 'after-code';
  /** With `at: 'form'`: how long the form stays usable first, ms. Default 0. */
  delayMs?: number | undefined;
  /** With `after-password` or `after-code`: only for this user (as typed), the others log in. Default: everyone. */
  userId?: string | undefined;
}

/** A modal notice (role="dialog", aria-modal) over the login app, on a backdrop that takes every click. */
export interface PageDialog {
  /**
   * `load`: with the form; `delay`: `delayMs` after the form is shown; `first-key`: at the first
   * keystroke (or input) into a field of the form; `first-pointer`: the first time the pointer
   * moves or goes down anywhere on the page, as an automation moves to click.
   */
  trigger: 'load' | 'delay' | 'first-key' | 'first-pointer';
  /** Which screen it covers. Default `credentials`. */
  screen?: 'credentials' | 'code' | undefined;
  /** With `trigger: 'delay'`, ms. Default 0. */
  delayMs?: number | undefined;
  /** How many times it appears per page load; after each dismissal its trigger is armed again. Default 1. */
  times?: number | undefined;
  /** Default "Scheduled maintenance tonight from 11 PM. Orders placed after that will be rejected." */
  text?: string | undefined;
  /** The dismiss button's text. Default "OK". */
  dismissText?: string | undefined;
  /** Move focus to the dismiss button as a modal should (keys typed next go there). Default true. */
  takesFocus?: boolean | undefined;
}

/** Faults of the variants' login app (not of page shapes), read each time the page is served. */
export interface PageFaults {
  lockUp?: PageLockUp | undefined;
  dialog?: PageDialog | undefined;
  /**
   * The page posts the credentials by itself as soon as the password field changes (as some
   * login pages do), before any submit button is pressed. Default false.
   */
  postOnInput?: boolean | undefined;
  /** How many page loads get these faults, then they clear. Default: every load. */
  loads?: number | undefined;
}

/** Faults for the whole simulator. */
export interface Faults {
  /** Faults on a route, whoever the request is for. */
  routes: Partial<Record<RouteName, RouteFault>>;
  /**
   * Faults that hit one user's requests only, by user id: a slow or failing Kite for one
   * account while the others log in. They apply where Kite knows the user: api-login,
   * api-twofa, connect-finish, connect-authorize, connect-step, session-token, user-profile. A user's fault
   * on a route is used before the route's own.
   */
  users: Record<string, Partial<Record<RouteName, RouteFault>>>;
  /** Serve this page instead of the login app: Kite down for maintenance, or a captcha. */
  loginPage?: 'maintenance' | 'captcha' | undefined;
  /** After the second factor, land on /dashboard instead of the app's redirect URL. */
  landOnDashboard?: boolean;
  /**
   * Kite's answer to /api/login leaves out `twofa_type` and `twofa_types` (older answers). The
   * login app still words its second-factor form for the account's factor (it reads the
   * simulator-only `X-Sim-Twofa-Form` header, which stands in for whatever the real page knows;
   * a login flow must never read it). Default false.
   */
  omitTwofaType?: boolean | undefined;
  /**
   * Steps after the code, in order, before the final redirect (consent in other words, optional
   * offers); read at each step. The app's Authorize page comes last when none is a consent step
   * (for users who did not consent yet). Default: a page shape's own steps when a shape is
   * served, else none.
   */
  afterCode?: AfterCodeStep[] | undefined;
  /** The login app misbehaving in the browser (default none). */
  page?: PageFaults | undefined;
}

/** Takes one use of the fault for this route (and user, when known), if one is left. */
export function takeFault(faults: Faults, route: RouteName, userId?: string): RouteFault | undefined {
  const own = userId === undefined ? undefined : userFaults(faults, userId);
  return (own && takeFrom(own, route)) ?? takeFrom(faults.routes, route);
}

function userFaults(faults: Faults, userId: string): Partial<Record<RouteName, RouteFault>> | undefined {
  const wanted = userId.trim().toUpperCase();
  for (const [id, routes] of Object.entries(faults.users)) if (id.toUpperCase() === wanted) return routes;
  return undefined;
}

function takeFrom(routes: Partial<Record<RouteName, RouteFault>>, route: RouteName): RouteFault | undefined {
  const fault = routes[route];
  if (!fault) return undefined;
  if (fault.times !== undefined) {
    if (fault.times <= 0) return undefined;
    fault.times -= 1;
  }
  return fault;
}
