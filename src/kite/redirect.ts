import { PageError } from '../errors/index.js';

/** The Kite login URL for an app: `KITE_LOGIN_URL?v=3&api_key=...` (the SDK's `login_uri` option is ignored by its code). */
export function buildLoginUrl(loginUrl: string, apiKey: string): string {
  const url = new URL(loginUrl);
  url.searchParams.set('v', '3');
  url.searchParams.set('api_key', apiKey);
  return url.toString();
}

const normalisePath = (path: string): string => path.replace(/\/+$/, '') || '/';

/**
 * True for a URL that is the app's redirect URL (same origin and path; the query is Kite's).
 * The host is often not served at all, so the request is matched, never loaded.
 */
export function redirectMatcher(redirectUrl: string): (url: URL | string) => boolean {
  const target = new URL(redirectUrl);
  const origin = target.origin;
  const path = normalisePath(target.pathname);
  return (candidate) => {
    const url = typeof candidate === 'string' ? safeUrl(candidate) : candidate;
    return url !== undefined && url.origin === origin && normalisePath(url.pathname) === path;
  };
}

/**
 * A Chromium Fetch `urlPattern` for requests to the redirect URL (origin and path, any
 * query). `*` and `?` are wildcards there, so they are escaped.
 */
export function redirectUrlPattern(redirectUrl: string): string {
  const target = new URL(redirectUrl);
  const prefix = `${target.origin}${normalisePath(target.pathname) === '/' ? '' : normalisePath(target.pathname)}`;
  return `${prefix.replace(/[\\*?]/g, '\\$&')}*`;
}

/**
 * Reads the request_token from the redirect (parameter order varies, `type` may be absent).
 * The error names no token: the URL itself is a secret until exchanged.
 */
export function requestTokenFromRedirect(url: string): string {
  const params = safeUrl(url)?.searchParams;
  const status = params?.get('status');
  if (status && status !== 'success') {
    throw new PageError('PAGE_UNRECOGNISED', `Kite redirected with status=${status.slice(0, 40)} instead of success.`, { step: 'redirect' });
  }
  const token = params?.get('request_token');
  if (!token) throw new PageError('PAGE_UNRECOGNISED', 'Kite redirected to KITE_REDIRECT_URL without a request_token.', { step: 'redirect' });
  return token;
}

/** A URL fit for a log line: origin and path only, the query (sess_id, request_token) dropped. */
export function loggableUrl(url: string): string {
  const parsed = safeUrl(url);
  return parsed ? `${parsed.origin}${parsed.pathname}` : '[unparseable url]';
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
