/**
 * The daemon's login attempts, every account's, in one process of their own (forked by
 * attempt-in-child.ts): Playwright, Chromium and kiteconnect come and go with it, so the idle
 * daemon stays small. One Chromium serves the attempts in flight, each in contexts of its own;
 * it closes as soon as none is in flight. Its environment has no secret in it: each attempt's
 * arrives over IPC with the attempt. Same working directory; same stderr. An abort message
 * abandons one attempt; SIGTERM (or the daemon letting go of the channel) abandons them all
 * cleanly (browser closed, locks released), answers each, and ends the process.
 */
import { loadLoginConfig } from '../config/index.js';
import { AbortedError, toAutologinError } from '../errors/index.js';
import { openSharedBrowser, type SharedBrowser } from '../kite/shared-browser.js';
import { logLevelFor } from '../log-level.js';
import { createLogger } from '../logger.js';
import { loginUnderLedger } from '../login/login-under-ledger.js';
import { stateFor } from '../wiring/from-config.js';
import { attemptOutcomeOf, errorToWire, type AttemptMessage, type FromAttemptProcess, type ToAttemptProcess } from './attempt-protocol.js';

const inFlight = new Map<number, AbortController>();
const answers = new Set<Promise<void>>();
let browser: SharedBrowser | undefined;
let closing: Promise<void> = Promise.resolve();
let stopping = false;

async function attempt(message: Extract<ToAttemptProcess, { type: 'attempt' }>, signal: AbortSignal): Promise<AttemptMessage> {
  try {
    if (stopping) throw new AbortedError('Stopped before the attempt began.');
    const { env, account } = message;
    const config = loadLoginConfig({ env, cwd: process.cwd() });
    const logger = createLogger(logLevelFor(config.logLevel, false)).child({ attempt: process.pid, ...(account === undefined ? {} : { account }) });
    browser ??= openSharedBrowser();
    const outcome = await loginUnderLedger(config, { force: false }, { logger, signal, state: stateFor(config, config.credentials), via: 'run', launch: browser.launch });
    return { ok: true, outcome: attemptOutcomeOf(outcome) };
  } catch (error) {
    // The process's boundary: only a typed error crosses it.
    return { ok: false, error: errorToWire(toAutologinError(error)) };
  }
}

function answer(message: FromAttemptProcess): void {
  if (!process.connected) return;
  const sent = new Promise<void>((resolve) => { process.send?.(message, () => resolve()); });
  answers.add(sent);
  void sent.then(() => answers.delete(sent));
}

/** No attempt in flight: the browser goes now; the process too, when it was told to stop. */
async function idle(): Promise<void> {
  const last = browser;
  browser = undefined;
  closing = closing.then(() => last?.close()).catch(() => undefined);
  await closing;
  if (stopping && inFlight.size === 0) {
    await Promise.all(answers);
    process.exit(0);
  }
}

async function run(message: Extract<ToAttemptProcess, { type: 'attempt' }>): Promise<void> {
  const controller = new AbortController();
  inFlight.set(message.id, controller);
  const result = await attempt(message, controller.signal);
  inFlight.delete(message.id);
  answer({ ...result, id: message.id });
  if (inFlight.size === 0) await idle();
}

function stop(reason: string): void {
  stopping = true;
  for (const controller of inFlight.values()) controller.abort(new Error(reason));
  if (inFlight.size === 0) void idle();
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
process.on('disconnect', () => stop('disconnect'));
process.on('message', (message: ToAttemptProcess) => {
  if (message.type === 'attempt') void run(message);
  else inFlight.get(message.id)?.abort(new Error('aborted'));
});
