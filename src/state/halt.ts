import type { LoginConfig } from '../config/index.js';
import { HaltedError, isAutologinError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { HALTING_CODES } from '../schedule/retry-policy.js';
import { fingerprint, sameCredentials } from './credentials-fingerprint.js';
import type { StateStore } from './state-store.js';

/**
 * Refuses to log in while an earlier rejection stands (a restart loop or tomorrow's run
 * must not spend the account's five attempts). The stop clears itself when the credentials
 * have changed since; otherwise a person clears it with `kite-autologin resume`.
 */
export async function checkHalt(config: LoginConfig, state: StateStore, logger: Logger): Promise<void> {
  const { halt } = await state.read();
  if (!halt) return;
  if (!sameCredentials(config.credentials, halt.credentials)) {
    logger.info({ code: halt.code, since: halt.at }, 'credentials changed since the stop; clearing it');
    await state.update((s) => { s.halt = undefined; });
    return;
  }
  throw new HaltedError(`Stopped since ${halt.at}: Kite rejected the login (${halt.code}). Nothing is tried again until you fix the credentials (or the clock, for a TOTP) and run \`kite-autologin resume\`.`);
}

/** Records the stop when Kite rejected the credentials or blocked the account. */
export async function recordHaltIfRejected(config: LoginConfig, state: StateStore, error: unknown, codes: ReadonlySet<string> = HALTING_CODES): Promise<boolean> {
  if (!isAutologinError(error) || !codes.has(error.code)) return false;
  await state.update((s) => {
    s.halt = { at: new Date().toISOString(), code: error.code, message: error.message, credentials: fingerprint(config.credentials) };
  });
  return true;
}
