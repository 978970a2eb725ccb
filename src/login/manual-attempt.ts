import type { MorningRecord } from '../account/record.js';
import { isAutologinError, type AutologinError } from '../errors/index.js';
import { isAccountStopped } from '../ledger/stop-codes.js';
import type { LastAttempt } from '../state/autologin-state.js';
import { istDate } from '../time/ist.js';
import type { LoginOutcome } from './login-once.js';

/*
 * A login run by hand (`login`, `login --dry-run`) is kept as the morning record's last
 * attempt, as the daemon keeps its own, so that `status` shows how it ended: a failed manual
 * login is never "Last attempt: none". A record that cannot be written is logged and left:
 * the login's own end (its token, its error) is what the command reports.
 */

export interface ManualAttemptDeps {
  morning: MorningRecord;
  /** How it was started: `login`, `login --dry-run`. */
  trigger: string;
  now?: () => Date;
  /** Told when the record could not be written (never the login's own error). */
  onRecordError?: (error: unknown) => void;
}

/** Runs the login and keeps how it ended; its outcome or error passes through unchanged. */
export async function keepManualAttempt(login: () => Promise<LoginOutcome>, deps: ManualAttemptDeps): Promise<LoginOutcome> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  // As the daemon keeps its own: when it ended; a token got also ends a hang on record.
  const keep = async (last: Omit<LastAttempt, 'at' | 'day'>, gotToken = false): Promise<void> => {
    const at = now();
    await deps.morning.update((s) => {
      s.lastAttempt = { ...last, at: at.toISOString(), day: istDate(started) };
      if (gotToken) s.hung = undefined;
    }).catch((error: unknown) => deps.onRecordError?.(error));
  };
  const base = { trigger: deps.trigger, attempts: 1 };
  try {
    const outcome = await login();
    if (outcome.kind !== 'dry-run') await keep({ ...base, result: outcome.kind === 'logged-in' ? 'logged-in' : 'still-valid' }, true);
    return outcome;
  } catch (error) {
    // Another login held the account (it keeps its own end), this one was stopped before it
    // began, or the account is stopped (the stop, with its cause, is what status shows): no attempt of its own.
    if (isAutologinError(error) && error.code !== 'LOCKED' && error.code !== 'ABORTED' && !isAccountStopped(error.code)) await keep(failed(base, error));
    throw error;
  }
}

function failed(base: { trigger: string; attempts: number }, error: AutologinError): Omit<LastAttempt, 'at' | 'day'> {
  return { ...base, result: 'failed', code: error.code, step: error.step, message: error.message };
}
