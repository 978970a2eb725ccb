/** Which part of Kite a request hit; faults and the request record key on it. */
export const ROUTES = [
  'connect-login', 'login-app', 'app-script', 'static', 'api-login', 'api-twofa', 'connect-finish',
  'connect-authorize', 'dashboard', 'session-token', 'user-profile',
  // The page-shape fuzzer (shapes/): its iframe document, and what its app reports.
  'fuzz-frame', 'fuzz-typed', 'fuzz-harm',
  'unknown',
] as const;
export type RouteName = (typeof ROUTES)[number];

/** A fault on one route. */
export interface RouteFault {
  /** Delay before answering, ms. */
  latencyMs?: number;
  /** Answer this HTTP status instead (5xx, 429). 502/504 come as a proxy's HTML, others as Kite JSON. */
  status?: number;
  /** The message of a 5xx's Kite JSON body. Default "Service unavailable. Please try again later." */
  message?: string;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** How many requests it applies to, then it clears. Default: all. */
  times?: number;
}

/** Faults for the whole simulator. */
export interface Faults {
  routes: Partial<Record<RouteName, RouteFault>>;
  /** Serve this page instead of the login app: Kite down for maintenance, or a captcha. */
  loginPage?: 'maintenance' | 'captcha' | undefined;
  /** After the second factor, land on /dashboard instead of the app's redirect URL. */
  landOnDashboard?: boolean;
}

/** Takes one use of the route's fault, if it has one left. */
export function takeFault(faults: Faults, route: RouteName): RouteFault | undefined {
  const fault = faults.routes[route];
  if (!fault) return undefined;
  if (fault.times !== undefined) {
    if (fault.times <= 0) return undefined;
    fault.times -= 1;
  }
  return fault;
}
