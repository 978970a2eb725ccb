import { ConfigError } from '../../src/errors/index.js';

/** The configuration tests' shared pieces: a complete environment, a fake file system, the problems a load reports. */

export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** One account, every required variable set and valid. */
export const goodEnv = {
  KITE_API_KEY: 'abc123', KITE_API_SECRET: 'shh-api-secret', KITE_USER_ID: 'ab1234', KITE_PASSWORD: 'hunter2!',
  KITE_TOTP_SECRET: TOTP_SECRET, KITE_REDIRECT_URL: 'http://127.0.0.1/kite-redirect',
};

/** A fake file system: `.env` and secret files live here; anything else is ENOENT. */
export const fakeFiles = (entries: Record<string, string>) => (path: string): string => {
  const content = entries[path];
  if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return content;
};

/** The problems a configuration load reports; fails when it loads. */
export const configProblems = (fn: () => unknown): { variable: string; message: string }[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
};
