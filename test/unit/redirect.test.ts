import { describe, expect, it } from 'vitest';
import { buildLoginUrl, loggableUrl, redirectMatcher, redirectUrlPattern, requestTokenFromRedirect } from '../../src/kite/redirect.js';

describe('redirect URL', () => {
  const matches = redirectMatcher('http://127.0.0.1/kite-redirect');

  it('matches on origin and path, whatever the query', () => {
    expect(matches('http://127.0.0.1/kite-redirect?action=login&status=success&request_token=abc')).toBe(true);
    expect(matches('http://127.0.0.1:80/kite-redirect/?request_token=abc')).toBe(true);
    expect(matches('http://127.0.0.1:8080/kite-redirect?request_token=abc')).toBe(false);
    expect(matches('https://127.0.0.1/kite-redirect?request_token=abc')).toBe(false);
    expect(matches('http://127.0.0.1/kite-redirect-other?request_token=abc')).toBe(false);
    expect(matches('http://127.0.0.1/connect/login?next=/kite-redirect')).toBe(false);
  });

  it('reads the request_token whatever the order of the parameters, with or without type', () => {
    expect(requestTokenFromRedirect('http://x/cb?action=login&type=login&status=success&request_token=tok1')).toBe('tok1');
    expect(requestTokenFromRedirect('http://x/cb?request_token=tok2&action=login&status=success')).toBe('tok2');
    expect(requestTokenFromRedirect('http://x/cb?status=success&request_token=tok3&state=mine')).toBe('tok3');
  });

  it('refuses a redirect without a token or with a failed status', () => {
    expect(() => requestTokenFromRedirect('http://x/cb?action=login&status=success')).toThrow(/without a request_token/);
    expect(() => requestTokenFromRedirect('http://x/cb?status=cancelled&request_token=t')).toThrow(/status=cancelled/);
  });

  it('builds the login URL with v=3 and the api_key, keeping what KITE_LOGIN_URL has', () => {
    const url = new URL(buildLoginUrl('https://kite.zerodha.com/connect/login?redirect_params=a%3D1', 'key1'));
    expect(url.searchParams.get('v')).toBe('3');
    expect(url.searchParams.get('api_key')).toBe('key1');
    expect(url.searchParams.get('redirect_params')).toBe('a=1');
  });

  it('logs URLs without their query', () => {
    expect(loggableUrl('http://127.0.0.1/kite-redirect?request_token=secret')).toBe('http://127.0.0.1/kite-redirect');
  });
});

describe('redirect URL pattern for Chromium', () => {
  it('covers the origin and path with any query, wildcards escaped', () => {
    expect(redirectUrlPattern('http://127.0.0.1:9/kite-redirect')).toBe('http://127.0.0.1:9/kite-redirect*');
    expect(redirectUrlPattern('http://127.0.0.1/kite/')).toBe('http://127.0.0.1/kite*');
    expect(redirectUrlPattern('https://example.com/a?b')).toBe('https://example.com/a*');
    expect(redirectUrlPattern('https://example.com/a*b')).toBe('https://example.com/a\\*b*');
  });
});
