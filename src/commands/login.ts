import { isUnconfigured, loadLoginConfig, readConfig } from '../config/index.js';
import { ExitCode } from '../errors/index.js';
import { stateFor } from '../wiring/from-config.js';
import { createLogger } from '../logger.js';
import { logLevelFor } from '../log-level.js';
import type { Command } from './context.js';
import { describePhase } from './describe-phase.js';
import { parseCommandArgs } from './parse-args.js';
import { sandboxCommand } from './sandbox.js';

export const loginCommand: Command = {
  name: 'login',
  summary: 'Log in to Kite now and save today\'s access token',
  usage: `Usage: kite-autologin login [--force] [--dry-run] [--headed]

Logs in through headless Chromium, exchanges the request_token and saves the token file.
If today's saved token is still accepted by Kite, does nothing (a new session would log
out every program using it). Waits while the daemon is logging in (a lock beside the token
file), and refuses while a rejected password has stopped the tool (see \`resume\`).

Options:
  --force       log in even when today's token is still valid
  --dry-run     go through the login up to the request_token, then stop: no exchange,
                nothing written; prints each step with secrets masked
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
    });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    if (values['sandbox-when-unconfigured'] && isUnconfigured(readConfig({ env: ctx.env, cwd: ctx.cwd }).raw)) {
      ctx.out('No Kite credentials are configured (KITE_API_KEY, KITE_USER_ID, ...): running the sandbox against the built-in simulator.');
      ctx.out('Set the variables in .env (see .env.example) to log in for real.\n');
      return sandboxCommand.run({ ...ctx, args: values.headed ? ['--headed'] : [] });
    }

    const config = loadLoginConfig({ env: ctx.env, cwd: ctx.cwd });
    const logger = createLogger(logLevelFor(config.logLevel, ctx.interactive));
    const { loginUnderLedger } = await import('../login/login-under-ledger.js');
    if (values['dry-run']) ctx.out('Dry run: the login stops at the request_token; no exchange, nothing written.');
    const outcome = await loginUnderLedger(config, { force: values.force ?? false, dryRun: values['dry-run'] ?? false, headed: values.headed ?? false }, {
      logger,
      signal: ctx.signal,
      state: stateFor(config, config.credentials),
      via: values['dry-run'] ? 'login --dry-run' : 'login',
      onPhase: (event) => {
        const line = describePhase(event, { userId: config.credentials.userId });
        if (line) ctx.out(line);
      },
    });
    switch (outcome.kind) {
      case 'still-valid':
        ctx.out(`Today's token for ${outcome.token.user_id} is still valid (until ${outcome.token.expires_at}); not logging in again. Use --force to log in anyway.`);
        logger.info({ outcome: 'still-valid', expiresAt: outcome.token.expires_at }, 'token still valid; nothing to do');
        break;
      case 'dry-run':
        logger.info({ outcome: 'dry-run' }, 'dry run complete');
        break;
      case 'logged-in':
        ctx.out(`Logged in as ${outcome.token.user_id}; token saved to ${config.tokenFile}, valid until ${outcome.token.expires_at}.`);
        logger.info({ outcome: 'logged-in', userId: outcome.token.user_id, expiresAt: outcome.token.expires_at, profileChecked: outcome.profileChecked }, 'logged in');
    }
    return ExitCode.OK;
  },
};
