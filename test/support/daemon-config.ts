import { join } from 'node:path';
import { loadDaemonConfig, type DaemonConfig } from '../../src/config/index.js';

/** A complete daemon configuration for unit tests: token file in `dir`, no .env, any overrides. */
export function testDaemonConfig(dir: string, overrides: Record<string, string> = {}): DaemonConfig {
  return loadDaemonConfig({
    cwd: dir,
    readFile: () => { throw Object.assign(new Error('none'), { code: 'ENOENT' }); },
    env: {
      KITE_API_KEY: 'k', KITE_API_SECRET: 's', KITE_USER_ID: 'AB1234', KITE_PASSWORD: 'p',
      KITE_TOTP_SECRET: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', KITE_REDIRECT_URL: 'http://127.0.0.1/cb',
      TOKEN_FILE: join(dir, 'token.json'),
      ...overrides,
    },
  });
}
