import { loadDaemonConfig } from '../config/index.js';
import { ExitCode } from '../errors/index.js';
import { createLogger } from '../logger.js';
import { logLevelFor } from '../log-level.js';
import { attemptOutcomeOf } from '../daemon/attempt-protocol.js';
import type { MorningDeps, MorningResult } from '../daemon/morning.js';
import { calendarFor, savedTokenValid, scheduleFor, stateFor } from '../wiring/from-config.js';
import { sleep } from '../time/sleep.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run unattended: log in every trading morning (or once, with --once)',
  usage: `Usage: kite-autologin run [--once]

Without --once: the daemon. Logs in at CRON_SCHEDULE (default 07:30) in SCHEDULE_TIMEZONE
(default Asia/Kolkata) on trading days, catches up at start and after a sleep or clock jump,
retries what a retry can fix until RETRY_DEADLINE, never retries a rejected password, and
notifies on failure. SIGTERM/SIGINT stop it cleanly; a second signal exits at once.

--once: one scheduled attempt (with its retries), then exit: for the host's cron, a systemd
timer or a Kubernetes CronJob. On a closed day it says so and exits 0 without logging in.

Options:
  --once      one morning's attempt, then exit
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('run', ctx.args, { once: { type: 'boolean' } });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const config = loadDaemonConfig({ env: ctx.env, cwd: ctx.cwd });
    const logger = createLogger(logLevelFor(config.logLevel, false));
    const calendar = calendarFor(config);
    const schedule = scheduleFor(config);
    const state = stateFor(config, config.credentials);
    const year = new Date().getFullYear();
    if (!calendar.years.includes(year)) {
      logger.warn({ year, covered: calendar.years }, `no NSE holiday list for ${year}: only weekends and SKIP_DATES are skipped; add the list to calendar/nse-holidays.json or HOLIDAYS_FILE`);
    }
    const [{ createNotifier }, { runMorning }] = await Promise.all([import('../notify/notifier.js'), import('../daemon/morning.js')]);
    const notifier = createNotifier(config.notify, logger);
    const { accountStopOf } = await import('../login/account-stop.js');
    const morningDeps = (signal: AbortSignal, attempt: MorningDeps['attempt']): MorningDeps => ({
      config, logger, notifier, state, calendar, signal, sleep, attempt, now: () => new Date(),
      accountStop: () => accountStopOf(config, new Date()),
    });

    if (values.once) {
      const inProcess: MorningDeps['attempt'] = async () => {
        const { loginUnderLedger } = await import('../login/login-under-ledger.js');
        return attemptOutcomeOf(await loginUnderLedger(config, { force: false }, { logger, signal: ctx.signal, state, via: 'run --once' }));
      };
      const result = await runMorning(morningDeps(ctx.signal, inProcess), 'once');
      return reportOnce(result, ctx.out, config.tokenFile);
    }

    // Each attempt runs in a process of its own: the idle daemon never holds Playwright,
    // kiteconnect or a browser (see the benchmark).
    const { attemptInChild } = await import('../daemon/attempt-in-child.js');
    const { startDaemon } = await import('../daemon/daemon.js');
    const daemon = startDaemon({
      config, logger, state, calendar, schedule,
      runMorning: (trigger, signal) => runMorning(morningDeps(signal, () => attemptInChild(signal)), trigger),
      tokenValid: () => savedTokenValid(config.tokenFile, new Date()),
      stopped: async () => (await accountStopOf(config, new Date())) !== undefined,
    });
    ctx.signal.addEventListener('abort', () => { void daemon.stop(); }, { once: true });
    await daemon.promise;
    return ExitCode.OK;
  },
};

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
