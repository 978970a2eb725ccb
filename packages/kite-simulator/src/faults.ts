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
  /** Faults on a route, whoever the request is for. */
  routes: Partial<Record<RouteName, RouteFault>>;
  /**
   * Faults that hit one user's requests only, by user id: a slow or failing Kite for one
   * account while the others log in. They apply where Kite knows the user: api-login,
   * api-twofa, connect-finish, connect-authorize, session-token, user-profile. A user's fault
   * on a route is used before the route's own.
   */
  users: Record<string, Partial<Record<RouteName, RouteFault>>>;
  /** Serve this page instead of the login app: Kite down for maintenance, or a captcha. */
  loginPage?: 'maintenance' | 'captcha' | undefined;
  /** After the second factor, land on /dashboard instead of the app's redirect URL. */
  landOnDashboard?: boolean;
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
