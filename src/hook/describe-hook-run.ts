import type { HookRun } from '../state/autologin-state.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** How a run ended, for a person: `ok (0.4s)`, `failed: exit code 3 (0.1s)`, `timed out: killed after 60.0s`. */
export function describeHookRun(run: HookRun): string {
  switch (run.result) {
    case 'ok': return `ok, exit code 0 (${seconds(run.durationMs)})`;
    case 'failed': return `failed: ${run.exitCode !== undefined ? `exit code ${run.exitCode}` : `ended by ${run.signal ?? 'a signal'}`} (${seconds(run.durationMs)})`;
    case 'timed-out': return `timed out: killed after ${seconds(run.durationMs)}`;
    case 'interrupted': return `killed after ${seconds(run.durationMs)}: kite-autologin was stopping`;
    case 'not-started': return `could not be started (${run.reason ?? 'error'})`;
  }
}

/** The line `login` and `run --once` print after the command ran. */
export function hookRunLine(run: HookRun): string {
  return `ON_TOKEN_COMMAND (${run.command}): ${describeHookRun(run)}${run.result === 'ok' ? '' : '; the token is saved (the command\'s output is in the log)'}.`;
}
