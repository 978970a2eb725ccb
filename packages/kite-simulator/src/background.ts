import type { RouteFault } from './faults.js';
import type { KiteRules } from './kite-rules.js';
import type { Shape } from './shapes/shape-types.js';

/**
 * A login page's background requests: beacons and analytics posts, some to `/api/` paths
 * beside Kite's own. The simulator answers them 204 (or fails them on purpose) and records
 * what each carried: the names of its fields, and whether any value was a secret.
 */
export const BACKGROUND_PATHS = ['/api/analytics', '/api/events', '/collect', '/track'] as const;
export type BackgroundPath = (typeof BACKGROUND_PATHS)[number];

export function isBackgroundPath(path: string): path is BackgroundPath {
  return (BACKGROUND_PATHS as readonly string[]).includes(path);
}

/** One background request as it arrived: never a value, only field names and a secret check. */
export interface BackgroundHit {
  /** Kite's clock, epoch ms. */
  at: number;
  path: string;
  /** The page's `event` field (load, focus, input, submit), if it sent one. */
  event: string | undefined;
  /** The page's `via` field (beacon, fetch, xhr), if it sent one. */
  via: string | undefined;
  /** The names of the fields it posted, in order. */
  fields: string[];
  /** Whether a value it posted was (or held) a password, a current TOTP, an App Code or SMS OTP. */
  carriesSecret: boolean;
}

export function backgroundHit(rules: KiteRules, path: string, form: URLSearchParams, at: number): BackgroundHit {
  const fields = [...form.keys()];
  return {
    at,
    path,
    event: form.get('event') ?? undefined,
    via: form.get('via') ?? undefined,
    fields,
    carriesSecret: [...form.values()].some((value) => rules.isSecret(value)),
  };
}

/**
 * The failure a page shape planned for its background request number `?r=` (a 500, or the
 * connection dropped); undefined for any other request.
 */
export function plannedBackgroundFault(shape: Shape | undefined, url: URL): RouteFault | undefined {
  const index = Number(url.searchParams.get('r') ?? 'NaN');
  const planned = Number.isInteger(index) ? shape?.background[index] : undefined;
  if (!planned || planned.path !== url.pathname) return undefined;
  switch (planned.fail) {
    case '500': return { status: 500, message: 'Internal server error' };
    case 'drop': return { drop: true };
    case 'none': return undefined;
  }
}
