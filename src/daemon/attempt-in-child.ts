import { fork } from 'node:child_process';
import { BrowserError } from '../errors/index.js';
import { errorFromWire, type AttemptMessage, type AttemptOutcome } from './attempt-protocol.js';

const WORKER = new URL('./attempt-worker.js', import.meta.url);

/**
 * Runs one login attempt in a child process and returns its outcome, or throws the typed
 * error it reported. Aborting sends it SIGTERM (it closes its browser itself); if it has not
 * exited `killAfterMs` later, SIGKILL.
 */
export function attemptInChild(signal: AbortSignal, killAfterMs = 25_000): Promise<AttemptOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env, cwd: process.cwd() });
    let message: AttemptMessage | undefined;
    let killer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    };
    // If the daemon itself exits (a second signal), the attempt still winds down cleanly.
    const onExit = (): void => { child.kill('SIGTERM'); };
    signal.addEventListener('abort', onAbort, { once: true });
    process.once('exit', onExit);
    child.on('message', (m: AttemptMessage) => { message = m; });
    child.on('error', (error) => reject(new BrowserError('BROWSER_FAILED', `The login process did not start: ${error.message}`)));
    child.on('exit', (code, killed) => {
      clearTimeout(killer);
      signal.removeEventListener('abort', onAbort);
      process.off('exit', onExit);
      if (message?.ok) return resolve(message.outcome);
      if (message) return reject(errorFromWire(message.error));
      reject(new BrowserError('BROWSER_FAILED', `The login process ended (${killed ?? `exit code ${code}`}) without a result.`));
    });
  });
}
