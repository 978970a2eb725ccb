import type { TokenAnnouncer } from '../account/announce.js';
import { accountStop } from '../account/account-stop.js';
import type { AccountRecord, Secrets } from '../account/record.js';
import { daemonConfigFrom, type DaemonConfig } from '../config/index.js';
import { ExitCode } from '../errors/index.js';
import { accountHook, type AfterNewToken } from '../hook/account-hook.js';
import { hookRunLine } from '../hook/describe-hook-run.js';
import type { LaunchBrowser } from '../kite/capture-request-token.js';
import { createLogger, type Logger } from '../logger.js';
import { logLevelFor } from '../log-level.js';
import { attemptOutcomeOf, type AttemptOutcome } from '../daemon/attempt-protocol.js';
import { attemptBoundMs } from '../kite/attempt-deadline.js';
import { DEFAULT_LOCK_WAIT_MS } from '../state/lock-staleness.js';
import type { DaemonHandle } from '../daemon/daemon.js';
import type { MorningDeps, MorningResult } from '../daemon/morning.js';
import { announcerFor } from '../wiring/announcer.js';
import { accountTitle, type ConfiguredAccount } from '../wiring/configured-accounts.js';
import { tokenKeeper } from '../wiring/daemon-tokens.js';
import { forEachAccount, limiter } from '../wiring/each-account.js';
import { calendarFor, scheduleFor } from '../wiring/from-config.js';
import { openAccounts, type AccountEntry, type OpenAccounts } from '../wiring/open-accounts.js';
import { sleep } from '../time/sleep.js';
import type { AutologinMetrics } from '../metrics/autologin-metrics.js';
import type { Command, CommandContext } from './context.js';
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

ON_TOKEN_COMMAND runs after each new token (in this process, after the morning's login);
METRICS_PORT makes the daemon (not --once) serve /metrics on 127.0.0.1 (METRICS_HOST).

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
    let rootLogger: Logger | undefined;
    let announcer: TokenAnnouncer | undefined;
    const opened = await openAccounts({
      env: ctx.env, cwd: ctx.cwd, account: values.account, config: daemonConfigFrom,
      announcer: async (config) => {
        rootLogger = createLogger(logLevelFor(config.logLevel, false));
        const { createNotifier } = await import('../notify/notifier.js');
        announcer = await announcerFor(config, { logger: rootLogger, notifier: createNotifier(config.notify, rootLogger) });
        return announcer;
      },
    });
    try {
      return await runAccounts(opened, announcer, rootLogger ?? createLogger(logLevelFor(opened.entries[0]?.config.logLevel, false)), values.once ?? false, ctx);
    } finally {
      await opened.close();
    }
  },
};

type Entry = AccountEntry<DaemonConfig>;

async function runAccounts(opened: OpenAccounts<DaemonConfig>, announcer: TokenAnnouncer | undefined, rootLogger: Logger, once: boolean, ctx: CommandContext): Promise<number> {
  const first = (opened.entries[0] as Entry).config;
  // The schedule and the calendar are the same for every account (the accounts file sets credentials only).
  const calendar = calendarFor(first);
  const schedule = scheduleFor(first);
  const year = new Date().getFullYear();
  if (!calendar.years.includes(year)) {
    rootLogger.warn({ year, covered: calendar.years }, `no NSE holiday list for ${year}: only weekends and SKIP_DATES are skipped; add the list to calendar/nse-holidays.json or HOLIDAYS_FILE`);
  }
  const [{ createNotifier, SharedHeartbeat }, { runMorning }] = await Promise.all([import('../notify/notifier.js'), import('../daemon/morning.js')]);
  // Several accounts ping one HEARTBEAT_URL: a failure of one stays the day's last word (see SharedHeartbeat).
  const heartbeat = opened.entries.length > 1 ? new SharedHeartbeat() : undefined;
  const accounts = opened.entries.map((entry) => {
    const logger = opened.fromFile ? rootLogger.child({ account: entry.configured.label }) : rootLogger;
    const record = entry.record as AccountRecord;
    const notifier = createNotifier(entry.config.notify, logger, undefined, heartbeat);
    const title = opened.fromFile ? accountTitle(entry.configured) : entry.config.credentials.userId;
    const hook = accountHook(entry.config, { name: nameOf(entry.configured) ?? '', title }, { logger, notifier, morning: record.morning, env: ctx.env, cwd: ctx.cwd });
    return { ...entry, record, logger, notifier, hook };
  });
  type Wired = (typeof accounts)[number];
  const secretsOf = (w: Wired): Secrets => ({ password: w.config.credentials.password, totpSecret: w.config.credentials.totpSecret });
  // Several accounts: their mornings run side by side, their attempts LOGIN_CONCURRENCY at a time.
  // Each attempt takes a turn of its own, so a morning waiting to retry (up to RETRY_DEADLINE) holds none.
  const turn = opened.fromFile ? limiter(opened.loginConcurrency) : undefined;
  const morningDeps = (w: Wired, signal: AbortSignal, attempt: MorningDeps['attempt']): MorningDeps => ({
    config: w.config, logger: w.logger, notifier: w.notifier, state: w.record.morning, calendar, signal, sleep, attempt, turn, now: () => new Date(),
    accountStop: async () => {
      const stop = await accountStop(w.record, secretsOf(w), new Date());
      return stop ? { code: stop.cause, since: stop.since, advice: stop.advice } : undefined;
    },
    ...(opened.fromFile ? { account: accountTitle(w.configured) } : {}),
  });

  if (once) {
    // Several accounts: one Chromium for the batch, a context per login, closed at the end.
    const shared = opened.fromFile ? (await import('../kite/shared-browser.js')).openSharedBrowser() : undefined;
    const byEntry = new Map<Entry, Wired>(accounts.map((w, i) => [opened.entries[i] as Entry, w]));
    try {
      return await forEachAccount(opened, { out: ctx.out }, async (entry, out) => {
        const w = byEntry.get(entry) as Wired;
        const result = await runMorning(morningDeps(w, ctx.signal, inProcessAttempt(w, ctx.signal, shared?.launch)), 'once');
        const code = reportOnce(result, out, w.config.tokenFile);
        await afterMorning(w.hook, result, ctx.signal, out);
        return code;
      });
    } finally {
      await shared?.close();
    }
  }

  // The attempts run in a process of their own, every account's in the same one (one Chromium,
  // a context per account), gone a short while after the last: the idle daemon never holds
  // Playwright, kiteconnect or a browser (see the benchmark). With several accounts, one daemon
  // per account in this process, their attempts LOGIN_CONCURRENCY at a time (the morning takes the turn).
  const { openAttemptProcess } = await import('../daemon/attempt-in-child.js');
  const { startDaemon } = await import('../daemon/daemon.js');
  // Before any attempt: an address that cannot be served stops the start (prom-client loads only with METRICS_PORT).
  const metrics = first.metrics ? await (await import('../metrics/start-metrics.js')).startMetrics(first.metrics, accounts.map((w) => ({
    userId: w.config.credentials.userId, name: nameOf(w.configured), record: w.record, tokenFile: w.config.tokenFile, secrets: secretsOf(w),
  })), rootLogger) : undefined;
  const attempts = openAttemptProcess();
  const daemons: DaemonHandle[] = accounts.map((w) => {
    // The last resort against a hung attempt (the attempt's own deadline runs in the attempt process).
    const deadlineMs = attemptBoundMs(w.config.stepTimeoutMs, DEFAULT_LOCK_WAIT_MS);
    // The account's configuration as read here (secrets included) goes over the IPC channel only; the attempt does not read it again.
    const inChild = (signal: AbortSignal): ReturnType<MorningDeps['attempt']> => attempts.attempt(signal, {
      env: { ...w.configured.env }, deadlineMs, ...(opened.fromFile ? { account: w.configured.label } : {}),
    });
    const tokenValid = tokenKeeper(w.record, w.config.tokenFile, announcer, w.logger);
    const measured = timedAttempt(metrics?.metrics, w.config.credentials.userId);
    return startDaemon({
      config: w.config, logger: w.logger, state: w.record.morning, calendar, schedule,
      // The hook runs after the morning, in this process, and is part of it: the daemon's stop kills it.
      runMorning: async (trigger, signal) => {
        const result = await runMorning(morningDeps(w, signal, () => measured(signal, () => inChild(signal))), trigger);
        await afterMorning(w.hook, result, signal);
        return result;
      },
      tokenValid: () => tokenValid(new Date()),
      stopped: async () => (await accountStop(w.record, secretsOf(w), new Date())) !== undefined,
    });
  });
  // A beat that could not decide (a record unreadable) is logged by the daemon and tried again next beat;
  // an 'error' event without a listener would end the process.
  for (const daemon of daemons) daemon.events.on('error', () => undefined);
  ctx.signal.addEventListener('abort', () => { for (const daemon of daemons) void daemon.stop(); }, { once: true });
  await Promise.all(daemons.map((daemon) => daemon.promise));
  await Promise.all([attempts.close(), metrics?.server.close()]);
  return ExitCode.OK;
}

/** The account's `name` in ACCOUNTS_FILE, when it gives one. */
function nameOf(configured: ConfiguredAccount): string | undefined {
  return configured.place !== undefined && configured.label !== configured.userId ? configured.label : undefined;
}

/**
 * ON_TOKEN_COMMAND after a morning that ended with a new token (not a token kept). It runs
 * here, in the process that runs the morning, not where the login ran (the daemon's attempt
 * process): that process holds Chromium and the secrets, lives by the attempt's deadline and
 * goes soon after, and has no notifier; here the command is outside the account's lock, the
 * attempt's deadline and its LOGIN_CONCURRENCY turn, is alerted and recorded like the morning,
 * and is killed by the same stop. `login` and `run --once` call it the same way.
 */
async function afterMorning(hook: AfterNewToken | undefined, result: MorningResult, signal: AbortSignal, out?: (line: string) => void): Promise<void> {
  if (!hook || result.kind !== 'done' || result.outcome.kind !== 'logged-in') return;
  const run = await hook(result.outcome.expiresAt, signal);
  out?.(hookRunLine(run));
}

/** The attempt, its duration observed in the metrics (when served); an attempt cut short by the daemon's stop is not one. */
function timedAttempt(metrics: AutologinMetrics | undefined, userId: string): (signal: AbortSignal, attempt: () => Promise<AttemptOutcome>) => Promise<AttemptOutcome> {
  return async (signal, attempt) => {
    if (!metrics) return attempt();
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const outcome = await attempt();
      metrics.observeAttempt(userId, seconds(), outcome.kind);
      return outcome;
    } catch (error) {
      if (!signal.aborted) metrics.observeAttempt(userId, seconds(), 'failed');
      throw error;
    }
  };
}

/** One attempt in this process (`run --once`), holding the account's record. */
function inProcessAttempt(w: { config: DaemonConfig; logger: Logger; record: AccountRecord }, signal: AbortSignal, launch: LaunchBrowser | undefined): MorningDeps['attempt'] {
  return async () => {
    const { loginUnderLedger } = await import('../login/login-under-ledger.js');
    return attemptOutcomeOf(await loginUnderLedger(w.config, w.record, { force: false }, {
      logger: w.logger, signal, via: 'run --once', ...(launch ? { launch } : {}),
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
