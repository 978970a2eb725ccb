/**
 * One login attempt in a process of its own, forked by the daemon: Playwright, Chromium and
 * kiteconnect come and go with it, so the idle daemon stays small. Its environment has no
 * secret in it: the daemon's arrives over IPC. Same working directory; same stderr. SIGTERM abandons the
 * attempt cleanly (browser closed, lock released).
 */
import { loadLoginConfig } from '../config/index.js';
import { toAutologinError } from '../errors/index.js';
import { logLevelFor } from '../log-level.js';
import { createLogger } from '../logger.js';
import { loginUnderLedger } from '../login/login-under-ledger.js';
import { stateFor } from '../wiring/from-config.js';
import { attemptOutcomeOf, errorToWire, type AttemptMessage } from './attempt-protocol.js';

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => controller.abort(new Error(signal)));

/** The daemon's environment, secrets included, arrives as the first IPC message (never in ours). */
const environment = new Promise<{ env: NodeJS.ProcessEnv; account?: string | undefined }>((resolve) => {
  process.once('message', (message: { env?: NodeJS.ProcessEnv; account?: string }) => resolve({ env: message.env ?? {}, account: message.account }));
  process.once('disconnect', () => resolve({ env: {} }));
});

async function attempt(): Promise<AttemptMessage> {
  try {
    const { env, account } = await environment;
    const config = loadLoginConfig({ env, cwd: process.cwd() });
    const logger = createLogger(logLevelFor(config.logLevel, false)).child({ attempt: process.pid, ...(account === undefined ? {} : { account }) });
    const outcome = await loginUnderLedger(config, { force: false }, { logger, signal: controller.signal, state: stateFor(config, config.credentials), via: 'run' });
    return { ok: true, outcome: attemptOutcomeOf(outcome) };
  } catch (error) {
    // The process's boundary: only a typed error crosses it.
    return { ok: false, error: errorToWire(toAutologinError(error)) };
  }
}

const message = await attempt();
process.send?.(message, () => { process.disconnect(); });
