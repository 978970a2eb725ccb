import { jsonReply, tooManyRequests, type Reply } from './http-reply.js';
import type { SimRequest, SimState } from './sim-state.js';

/** api.kite.trade's side: the session exchange and the profile check, with the rate limit. */

export function sessionToken(state: SimState, { headers, form }: SimRequest): Reply {
  if (overRateLimit(state.recentApiCalls, form.get('api_key') ?? '', state.now())) return jsonReply(tooManyRequests());
  if (!/application\/x-www-form-urlencoded/.test(headers['content-type'] ?? '')) {
    return jsonReply({ status: 400, body: { status: 'error', message: 'Invalid request. Parameters must be form-encoded.', data: null, error_type: 'InputException' } });
  }
  return jsonReply(state.rules.exchange({
    api_key: form.get('api_key') ?? undefined,
    request_token: form.get('request_token') ?? undefined,
    checksum: form.get('checksum') ?? undefined,
  }));
}

export function userProfile(state: SimState, { headers }: SimRequest): Reply {
  if (overRateLimit(state.recentApiCalls, apiKeyOf(headers.authorization), state.now())) return jsonReply(tooManyRequests());
  return jsonReply(state.rules.profile(headers.authorization));
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
