import { fork } from 'node:child_process';
import { BrowserError } from '../errors/index.js';
import { errorFromWire, type AttemptMessage, type AttemptOutcome } from './attempt-protocol.js';
import { killAfterMs as budgetKillAfterMs } from './shutdown-budget.js';

const WORKER = new URL('./attempt-worker.js', import.meta.url);

/** Variables that hold secrets: they reach the attempt over its IPC channel, never its environment. */
export const SECRET_VARIABLES = /^(?:KITE_API_SECRET|KITE_PASSWORD|KITE_TOTP_SECRET|TELEGRAM_BOT_TOKEN|WEBHOOK_URL|HEARTBEAT_URL|REDIS_URL)$/;

function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_VARIABLES.test(name)));
}

export interface AttemptInChildOptions {
  /** After an abort, how long the attempt has to exit on its own before SIGKILL. Default: within the shutdown budget. */
  killAfterMs?: number;
  /** The worker module (tests hand in one of their own). */
  worker?: URL;
  /** The environment the attempt reads its configuration from, secrets included (sent over IPC). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** The account's label for the attempt's log lines (ACCOUNTS_FILE). Default: none. */
  account?: string;
}

/**
 * Runs one login attempt in a child process and returns its outcome, or throws the typed
 * error it reported. Aborting sends it SIGTERM (it closes its browser itself); if it has not
 * exited `killAfterMs` later, SIGKILL.
 */
export function attemptInChild(signal: AbortSignal, options: AttemptInChildOptions = {}): Promise<AttemptOutcome> {
  const killAfterMs = options.killAfterMs ?? budgetKillAfterMs();
  return new Promise((resolve, reject) => {
    const child = fork(options.worker ?? WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: withoutSecrets(process.env), cwd: process.cwd() });
    // The whole environment, secrets included, goes over the IPC channel (a pipe only the two ends hold).
    child.send({ env: options.env ?? process.env, ...(options.account === undefined ? {} : { account: options.account }) });
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
      if (message?.ok) resolve(message.outcome);
      else if (message) reject(errorFromWire(message.error));
      else reject(new BrowserError('BROWSER_FAILED', `The login process ended (${killed ?? `exit code ${code}`}) without a result.`));
    });
  });
}
