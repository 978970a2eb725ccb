import type { PhaseEvent } from '../login/login-once.js';

/** One line a person reads for each finished phase; secrets are masked or left out. */
export function describePhase(event: PhaseEvent, who: { userId: string }): string | undefined {
  const d = event.detail ?? {};
  switch (event.phase) {
    case 'token-check':
      return d['valid'] ? '✓ saved token is still valid' : `• no valid token to keep (${String(d['reason'] ?? 'unknown')})`;
    case 'browser-launch': return '✓ browser started';
    case 'login-page': return '✓ login page ready';
    case 'credentials': return `✓ user id ${who.userId} and password ******** accepted`;
    case 'totp-wait': return `• waited ${Math.round(Number(d['waitedMs'] ?? 0) / 1000)}s for a fresh TOTP window`;
    case 'second-factor': return '✓ TOTP ****** accepted';
    case 'consent': return '✓ app authorised on the consent page';
    case 'redirect': return `✓ request_token captured from the redirect to ${String(d['redirect'] ?? 'the redirect URL')} (value not shown)`;
    case 'dry-run-stop': return `■ dry run: stopped before the exchange (request_token of ${String(d['requestTokenLength'])} characters discarded); nothing written, today's session elsewhere untouched`;
    case 'exchange': return '✓ request_token exchanged for an access token';
    case 'profile': return '✓ profile check: Kite accepts the new token';
    case 'save': return `✓ token saved to ${String(d['tokenFile'])} (valid until ${String(d['expiresAt'])})`;
    case 'browser-closed': return '✓ browser closed';
    case 'redis-copy': return d['landed'] ? '✓ token copied to Redis' : '✗ Redis did not get the token: it is in the token file; run `kite-autologin login` again once Redis is back to copy it (no new login)';
    default: return undefined;
  }
}
