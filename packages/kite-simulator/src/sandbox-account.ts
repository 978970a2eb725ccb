import { randomBytes, randomInt } from 'node:crypto';
import type { SimAccount, SimApp } from './kite-rules.js';
import { newTotpSecret } from './totp.js';

/** A throwaway account and app for the sandbox and tests: fresh random secrets every time. */
export function sandboxAccount(): { account: SimAccount; app: SimApp } {
  const userId = `SB${randomInt(1000, 10_000)}`;
  return {
    account: {
      userId,
      password: randomBytes(12).toString('base64url'),
      totpSecret: newTotpSecret(),
      userName: 'Sandbox Trader',
      email: 'sandbox@example.invalid',
    },
    app: {
      apiKey: `sandbox${randomBytes(6).toString('hex')}`,
      apiSecret: randomBytes(16).toString('hex'),
      // Port 9 (discard) on loopback: nothing answers, as with most real redirect URLs.
      redirectUrl: 'http://127.0.0.1:9/kite-redirect',
      name: 'kite-autologin sandbox',
    },
  };
}
