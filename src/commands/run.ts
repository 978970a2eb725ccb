import { loadDaemonConfig, type DaemonConfig } from '../config/index.js';
import { ExitCode } from '../errors/index.js';
import type { LaunchBrowser } from '../kite/capture-request-token.js';
import type { LoginRedis } from '../login/login-redis.js';
import { createLogger, type Logger } from '../logger.js';
import { logLevelFor } from '../log-level.js';
import { attemptOutcomeOf } from '../daemon/attempt-protocol.js';
import { attemptBoundMs } from '../kite/attempt-deadline.js';
import { DEFAULT_LOCK_WAIT_MS } from '../state/lock-staleness.js';
import type { DaemonHandle } from '../daemon/daemon.js';
import type { MorningDeps, MorningResult } from '../daemon/morning.js';
import { accountTitle, configuredAccounts, loadEach, type ConfiguredAccount } from '../wiring/configured-accounts.js';
import { forEachAccount, limiter } from '../wiring/each-account.js';
import { calendarFor, savedTokenValid, scheduleFor, stateFor } from '../wiring/from-config.js';
import { sleep } from '../time/sleep.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run unattended: log in every trading morning (or once, with --once)',
  usage: `Usage: kite-autologin run [--once] [--account USER_ID]

Without --once: the daemon. Logs in at CRON_SCHEDULE (default 07:30) in SCHEDULE_TIMEZONE
(default Asia/Kolkata) on trading days, catches up at start and after a sleep or clock jump,
retries what a retry can fix until RETRY_DEADLINE, never retries a rejected password, and
notifies on failure. SIGTERM/SIGINT stop it cleanly; a second signal exits at once.

--once: one scheduled attempt (with its retries), then exit: for the host's cron, a systemd
timer or a Kubernetes CronJob. On a closed day it says so and exits 0 without logging in.

With ACCOUNTS_FILE (a YAML list of accounts), runs every account (or the one --account or
JOB_COMPLETION_INDEX picks), each with its own state, ledger, lock, stop and alerts (which
name it), LOGIN_CONCURRENCY logins at a time; --once exits with the most serious failure's
code (3, then 2, 4, 1).

Options:
  --once      one morning's attempt, then exit
  --account USER_ID
              only this account of ACCOUNTS_FILE (without ACCOUNTS_FILE: must be KITE_USER_ID)
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('run', ctx.args, { once: { type: 'boolean' }, account: { type: 'string' } });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const configured = await configuredAccounts({ env: ctx.env, cwd: ctx.cwd, account: values.account });
    const configs = loadEach(configured, (account) => loadDaemonConfig({ env: account.env, cwd: ctx.cwd }));
    const first = configs[0] as DaemonConfig;
    const rootLogger = createLogger(logLevelFor(first.logLevel, false));
    // The schedule and the calendar are the same for every account (the accounts file sets credentials only).
    const calendar = calendarFor(first);
    const schedule = scheduleFor(first);
    const year = new Date().getFullYear();
    if (!calendar.years.includes(year)) {
      rootLogger.warn({ year, covered: calendar.years }, `no NSE holiday list for ${year}: only weekends and SKIP_DATES are skipped; add the list to calendar/nse-holidays.json or HOLIDAYS_FILE`);
    }
    const [{ createNotifier, SharedHeartbeat }, { runMorning }] = await Promise.all([import('../notify/notifier.js'), import('../daemon/morning.js')]);
    const { accountStopOf } = await import('../login/account-stop.js');
    // Several accounts ping one HEARTBEAT_URL: a failure of one stays the day's last word (see SharedHeartbeat).
    const heartbeat = configured.accounts.length > 1 ? new SharedHeartbeat() : undefined;
    const accounts = configured.accounts.map((account, i) => {
      const config = configs[i] as DaemonConfig;
      const logger = configured.fromFile ? rootLogger.child({ account: account.label }) : rootLogger;
      return { account, config, logger, state: stateFor(config, config.credentials), notifier: createNotifier(config.notify, logger, undefined, heartbeat) };
    });
    type Wired = (typeof accounts)[number];
    // REDIS_URL: tokens copied to Redis, each account's lock and ledger there (undefined: files only).
    const redis = first.redis ? (await import('../wiring/redis-wiring.js')).redisForDaemon(first, { logger: rootLogger, notifier: accounts[0]?.notifier }) : undefined;
    // Several accounts: their mornings run side by side, their attempts LOGIN_CONCURRENCY at a time.
    // Each attempt takes a turn of its own, so a morning waiting to retry (up to RETRY_DEADLINE) holds none.
    const turn = configured.fromFile ? limiter(configured.loginConcurrency) : undefined;
    const morningDeps = (w: Wired, signal: AbortSignal, attempt: MorningDeps['attempt']): MorningDeps => ({
      config: w.config, logger: w.logger, notifier: w.notifier, state: w.state, calendar, signal, sleep, attempt, turn, now: () => new Date(),
      accountStop: () => accountStopOf(w.config, new Date(), redis?.client),
      ...(configured.fromFile ? { account: accountTitle(w.account) } : {}),
    });

    if (values.once) {
      // Several accounts: one Chromium for the batch, a context per login, closed at the end.
      const shared = configured.fromFile ? (await import('../kite/shared-browser.js')).openSharedBrowser() : undefined;
      const byAccount = new Map<ConfiguredAccount, Wired>(accounts.map((w) => [w.account, w]));
      try {
        return await forEachAccount(configured, { out: ctx.out }, async (account, out) => {
          const w = byAccount.get(account) as Wired;
          const result = await runMorning(morningDeps(w, ctx.signal, inProcessAttempt(w, ctx.signal, shared?.launch, redis?.login(w.config))), 'once');
          return reportOnce(result, out, w.config.tokenFile);
        });
      } finally {
        await shared?.close();
        await redis?.close();
      }
    }

    // The attempts run in a process of their own, every account's in the same one (one Chromium,
    // a context per account), gone a short while after the last: the idle daemon never holds
    // Playwright, kiteconnect or a browser (see the benchmark). With several accounts, one daemon
    // per account in this process, their attempts LOGIN_CONCURRENCY at a time (the morning takes the turn).
    const { openAttemptProcess } = await import('../daemon/attempt-in-child.js');
    const { startDaemon } = await import('../daemon/daemon.js');
    const attempts = openAttemptProcess();
    const daemons: DaemonHandle[] = accounts.map((w) => {
      // The last resort against a hung attempt (the attempt's own deadline runs in the attempt process).
      const deadlineMs = attemptBoundMs(w.config.stepTimeoutMs, DEFAULT_LOCK_WAIT_MS);
      const inChild = (signal: AbortSignal): ReturnType<MorningDeps['attempt']> => (configured.fromFile
        // The account's environment, secrets included, goes over the IPC channel only.
        ? attempts.attempt(signal, { env: { ...w.account.env }, account: w.account.label, deadlineMs })
        : attempts.attempt(signal, { deadlineMs }));
      return startDaemon({
        config: w.config, logger: w.logger, state: w.state, calendar, schedule,
        runMorning: (trigger, signal) => runMorning(morningDeps(w, signal, () => inChild(signal)), trigger),
        tokenValid: () => (redis ? redis.tokenValid(w.config, new Date()) : savedTokenValid(w.config.tokenFile, new Date())),
        stopped: async () => (await accountStopOf(w.config, new Date(), redis?.client)) !== undefined,
      });
    });
    // A beat that could not decide (a state file or Redis unreadable) is logged by the daemon and tried again next beat;
    // an 'error' event without a listener would end the process.
    for (const daemon of daemons) daemon.events.on('error', () => undefined);
    ctx.signal.addEventListener('abort', () => { for (const daemon of daemons) void daemon.stop(); }, { once: true });
    await Promise.all(daemons.map((daemon) => daemon.promise));
    await attempts.close();
    await redis?.close();
    return ExitCode.OK;
  },
};

/** One attempt in this process (`run --once`), under the account's lock and ledger. */
function inProcessAttempt(
  w: { config: DaemonConfig; logger: Logger; state: MorningDeps['state'] }, signal: AbortSignal, launch: LaunchBrowser | undefined,
  redis: LoginRedis | undefined,
): MorningDeps['attempt'] {
  return async () => {
    const { loginUnderLedger } = await import('../login/login-under-ledger.js');
    return attemptOutcomeOf(await loginUnderLedger(w.config, { force: false }, {
      logger: w.logger, signal, state: w.state, via: 'run --once', ...(launch ? { launch } : {}), ...(redis ? { redis } : {}),
    }));
  };
}

function reportOnce(result: MorningResult, out: (line: string) => void, tokenFile: string): number {
  switch (result.kind) {
    case 'closed':
      out(`${result.reason}; not logging in.`);
      return ExitCode.OK;
    case 'done':
      out(result.outcome.kind === 'logged-in'
        ? `Logged in (attempt ${result.attempts}); token saved to ${tokenFile}, valid until ${result.outcome.expiresAt ?? 'unknown'}.`
        : 'Today\'s token is still valid; nothing to do.');
      return ExitCode.OK;
    case 'halted':
    case 'failed':
      throw result.error;
  }
}
