import type { AccountRecord } from '../account/record.js';
import { isUnconfigured, notifyingLoginConfigFrom, readConfig, type NotifyingLoginConfig, type RawConfig } from '../config/index.js';
import { describeUnexpected, ExitCode } from '../errors/index.js';
import { accountHook, type AfterNewToken } from '../hook/account-hook.js';
import { hookRunLine } from '../hook/describe-hook-run.js';
import type { LaunchBrowser } from '../kite/capture-request-token.js';
import type { LoginRequest } from '../login/login-once.js';
import { announcerFor } from '../wiring/announcer.js';
import { accountTitle, type ConfiguredAccount } from '../wiring/configured-accounts.js';
import { forEachAccount } from '../wiring/each-account.js';
import { openAccounts } from '../wiring/open-accounts.js';
import { createLogger, type Logger } from '../logger.js';
import { logLevelFor } from '../log-level.js';
import type { Command } from './context.js';
import { describePhase } from './describe-phase.js';
import { parseCommandArgs } from './parse-args.js';
import { sandboxCommand } from './sandbox.js';

export const loginCommand: Command = {
  name: 'login',
  summary: 'Log in to Kite now and save today\'s access token',
  usage: `Usage: kite-autologin login [--account USER_ID] [--force] [--dry-run] [--headed]

Logs in through headless Chromium, exchanges the request_token and saves the token file.
If today's saved token is still accepted by Kite, does nothing (a new session would log
out every program using it), whatever the attempt ledger says. Waits while the daemon is
logging in (a lock beside the token file), and refuses while the account is stopped (a
rejected or unseen password, or 3 passwords or 2 codes in a row not accepted: see \`resume\`).

With ON_TOKEN_COMMAND set, runs it after each new token (not when the saved token is kept,
not for --dry-run), bounded by ON_TOKEN_TIMEOUT_SECONDS; a failure is alerted and shown by
\`status\`, and the exit code stays 0 (the token is saved).

With ACCOUNTS_FILE (a YAML list of accounts), logs in every account, LOGIN_CONCURRENCY at
a time (default: up to 4, one per CPU), each in its own context of one browser; each line
names its account, one account's failure never stops another's login, and the exit code is
that of the most serious failure (3, then 2, 4, 1).

Options:
  --account USER_ID
                only this account of ACCOUNTS_FILE (without ACCOUNTS_FILE: must be KITE_USER_ID)
  --force       log in even when today's token is still valid
  --dry-run     go through the login up to the request_token, then stop: no exchange,
                no token written (the ledger records its submissions; accepted ones cost
                nothing); prints each step with secrets masked
  --headed      show the browser window (debugging on a desktop)
  --sandbox-when-unconfigured
                with no KITE_* credentials configured at all, run \`sandbox\` instead
                (what \`npm start\` does for a newcomer); never use it in production
  -h, --help    this help

Configuration comes from the environment and .env; see the README.`,

  async run(ctx) {
    const { values } = parseCommandArgs('login', ctx.args, {
      force: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      headed: { type: 'boolean' },
      'sandbox-when-unconfigured': { type: 'boolean' },
      account: { type: 'string' },
    });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const raw = values['sandbox-when-unconfigured'] ? readConfig({ env: ctx.env, cwd: ctx.cwd }).raw : undefined;
    if (raw && isUnconfigured(raw) && !raw['ACCOUNTS_FILE']?.trim()) {
      ctx.out('No Kite credentials are configured (KITE_API_KEY, KITE_USER_ID, ...): running the sandbox against the built-in simulator.');
      ctx.out('Set the variables in .env (see .env.example) to log in for real.\n');
      return sandboxCommand.run({ ...ctx, args: values.headed ? ['--headed'] : [] });
    }

    const request = { force: values.force ?? false, dryRun: values['dry-run'] ?? false, headed: values.headed ?? false };
    const opened = await openAccounts({
      env: ctx.env, cwd: ctx.cwd, account: values.account, config: notifyingLoginConfigFrom,
      announcer: (config) => announcerFor(config, { logger: createLogger(logLevelFor(config.logLevel, ctx.interactive)) }),
    });
    if (request.dryRun) ctx.out('Dry run: the login stops at the request_token; no exchange, no token written (the attempt ledger records what is sent to Kite).');
    // Several accounts: one Chromium for the batch, a context per login, closed at the end.
    const shared = opened.fromFile ? (await import('../kite/shared-browser.js')).openSharedBrowser() : undefined;
    try {
      return await forEachAccount(opened, { concurrency: opened.loginConcurrency, out: ctx.out }, async ({ configured, config, record }, out) => {
        const root = createLogger(logLevelFor(config.logLevel, ctx.interactive));
        const logger = opened.fromFile ? root.child({ account: configured.label }) : root;
        const hook = await hookFor(config, configured, record as AccountRecord, { logger, env: ctx.env, cwd: ctx.cwd });
        return loginAccount(config, record as AccountRecord, request, { logger, out, signal: ctx.signal, launch: shared?.launch, hook });
      });
    } finally {
      await shared?.close();
      await opened.close();
    }
  },
};

interface AccountLoginDeps {
  logger: Logger;
  out: (line: string) => void;
  signal: AbortSignal;
  /** The batch's shared browser; default a browser of its own. */
  launch: LaunchBrowser | undefined;
  /** ON_TOKEN_COMMAND for this account, when one is set. */
  hook: AfterNewToken | undefined;
}

/**
 * The account's ON_TOKEN_COMMAND, run in this process after the login (see run.ts for why
 * never inside the login itself); its failure is alerted like the daemon's (the notifier
 * loads only when a command is set).
 */
async function hookFor(config: NotifyingLoginConfig, configured: ConfiguredAccount, record: AccountRecord, deps: { logger: Logger; env: RawConfig; cwd: string }): Promise<AfterNewToken | undefined> {
  if (config.hook === undefined) return undefined;
  const { createNotifier } = await import('../notify/notifier.js');
  const named = configured.place !== undefined && configured.label !== configured.userId;
  return accountHook(config, { name: named ? configured.label : '', title: configured.place === undefined ? config.credentials.userId : accountTitle(configured) }, {
    logger: deps.logger, notifier: createNotifier(config.notify, deps.logger), morning: record.morning, env: deps.env, cwd: deps.cwd,
  });
}

/** One account's login, as `login` has always run it. */
async function loginAccount(config: NotifyingLoginConfig, record: AccountRecord, request: Required<Omit<LoginRequest, 'tokenChecked'>>, { logger, out, signal, launch, hook }: AccountLoginDeps): Promise<number> {
  const [{ loginUnderLedger }, { keepManualAttempt }] = await Promise.all([import('../login/login-under-ledger.js'), import('../login/manual-attempt.js')]);
  const via = request.dryRun ? 'login --dry-run' : 'login';
  const outcome = await keepManualAttempt(() => loginUnderLedger(config, record, request, {
    logger,
    signal,
    via,
    ...(launch ? { launch } : {}),
    onPhase: (event) => {
      const line = describePhase(event, { userId: config.credentials.userId });
      if (line) out(line);
    },
  }), { morning: record.morning, trigger: via, onRecordError: (error) => logger.warn({ err: describeUnexpected(error) }, 'could not keep the login in the morning record (status will not show it)') });
  switch (outcome.kind) {
    case 'still-valid':
      out(`Today's token for ${outcome.token.user_id} is still valid (until ${outcome.token.expires_at}); not logging in again. Use --force to log in anyway.`);
      logger.info({ outcome: 'still-valid', expiresAt: outcome.token.expires_at }, 'token still valid; nothing to do');
      break;
    case 'dry-run':
      logger.info({ outcome: 'dry-run' }, 'dry run complete');
      break;
    case 'logged-in':
      out(`Logged in as ${outcome.token.user_id}; token saved to ${config.tokenFile}, valid until ${outcome.token.expires_at}.`);
      logger.info({ outcome: 'logged-in', userId: outcome.token.user_id, expiresAt: outcome.token.expires_at, profileChecked: outcome.profileChecked }, 'logged in');
      if (hook) {
        // A new token, and only then: its command's end is told, never the login's exit code.
        const run = await hook(outcome.token.expires_at, signal);
        out(hookRunLine(run));
      }
  }
  return ExitCode.OK;
}
