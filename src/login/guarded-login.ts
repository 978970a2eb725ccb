import type { LoginConfig } from '../config/index.js';
import { checkHalt, recordHaltIfRejected } from '../state/halt.js';
import { withLoginLock } from '../state/login-lock.js';
import type { StateStore } from '../state/state-store.js';
import { performLogin, type LoginDeps, type LoginOutcome, type LoginRequest } from './perform-login.js';

/** One login as `login` runs it: stop check, lock, login, stop on rejection. */
export async function guardedLogin(config: LoginConfig, request: LoginRequest, deps: LoginDeps & { state: StateStore }): Promise<LoginOutcome> {
  return withLoginLock(config.tokenFile, async () => {
    await checkHalt(config, deps.state, deps.logger);
    try {
      return await performLogin(config, request, deps);
    } catch (error) {
      // A dry run types the same password: its rejection counts against the account too.
      await recordHaltIfRejected(config, deps.state, error);
      throw error;
    }
  });
}
