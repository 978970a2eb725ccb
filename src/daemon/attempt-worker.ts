/**
 * The daemon's login attempts, every account's, in one process of their own (forked by
 * attempt-in-child.ts): Playwright, Chromium and kiteconnect come and go with it, so the idle
 * daemon stays small. One Chromium serves the attempts in flight, each in contexts of its own;
 * it closes as soon as none is in flight. Its environment has no secret in it: each attempt's
 * arrives over IPC with the attempt. Same working directory; same stderr. An abort message
 * abandons one attempt; SIGTERM (or the daemon letting go of the channel) abandons them all
 * cleanly (browser closed, locks released), answers each, and ends the process.
 */
import type { RecordHome } from '../account/record.js';
import { loginConfigFrom, type LoginConfig } from '../config/index.js';
import { AbortedError, toAutologinError } from '../errors/index.js';
import { openSharedBrowser, type SharedBrowser } from '../kite/shared-browser.js';
import { logLevelFor } from '../log-level.js';
import { createLogger, type Logger } from '../logger.js';
import { loginUnderLedger } from '../login/login-under-ledger.js';
import { attemptOutcomeOf, errorToWire, type AttemptMessage, type FromAttemptProcess, type ToAttemptProcess } from './attempt-protocol.js';

const inFlight = new Map<number, AbortController>();
const answers = new Set<Promise<void>>();
let browser: SharedBrowser | undefined;
/** The records' home, opened by the first attempt (one database connection for the process), by its configuration's home. */
const homes = new Map<string, Promise<RecordHome>>();
let closing: Promise<void> = Promise.resolve();
let stopping = false;

async function attempt(message: Extract<ToAttemptProcess, { type: 'attempt' }>, signal: AbortSignal): Promise<AttemptMessage> {
  try {
    if (stopping) throw new AbortedError('Stopped before the attempt began.');
    const { env, account } = message;
    // Read by the daemon already (.env, the *_FILE secrets): only validated here.
    const config = loginConfigFrom(env, process.cwd());
    const logger = createLogger(logLevelFor(config.logLevel, false)).child({ attempt: process.pid, ...(account === undefined ? {} : { account }) });
    const home = await homeFor(config, logger);
    browser ??= openSharedBrowser();
    const record = home.record({ apiKey: config.credentials.apiKey, userId: config.credentials.userId }, { tokenFile: config.tokenFile, stateDir: config.stateDir });
    const outcome = await loginUnderLedger(config, record, { force: false }, { logger, signal, via: 'run', launch: browser.launch });
    return { ok: true, outcome: attemptOutcomeOf(outcome) };
  } catch (error) {
    // The process's boundary: only a typed error crosses it.
    return { ok: false, error: errorToWire(toAutologinError(error)) };
  }
}

/** One home per configuration's database (or STATE_DIR), for the life of the process. */
function homeFor(config: LoginConfig, logger: Logger): Promise<RecordHome> {
  const key = config.database?.url ?? `files:${config.stateDir}`;
  let home = homes.get(key);
  if (!home) {
    home = (async () => {
      const [{ openHome }, { announcerFor }] = await Promise.all([import('../account/open-home.js'), import('../wiring/announcer.js')]);
      return openHome(config, { logger, announcer: await announcerFor(config, { logger }), places: [{ account: { apiKey: config.credentials.apiKey, userId: config.credentials.userId }, tokenFile: config.tokenFile, stateDir: config.stateDir }], use: 'write' });
    })();
    home.catch(() => homes.delete(key));
    homes.set(key, home);
  }
  return home;
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
    await Promise.all([...homes.values()].map((home) => home.then((h) => h.close(), () => undefined)));
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
