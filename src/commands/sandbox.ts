import { dirname, join } from 'node:path';
import { loadBaseConfig, type LoginConfig } from '../config/index.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { createLogger } from '../logger.js';
import { logLevelFor } from '../log-level.js';
import type { Command } from './context.js';
import { describePhase } from './describe-phase.js';
import { afterSandbox } from './next-step.js';
import { parseCommandArgs } from './parse-args.js';

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'Run the real login against the built-in Kite simulator (no account needed)',
  usage: `Usage: kite-autologin sandbox [--variant NAME] [--headed]

Starts the built-in Kite simulator on a free loopback port with a throwaway account, runs
the real login (Chromium, TOTP, consent page, exchange, profile check) against it, saves
the token to sandbox-token.json beside TOKEN_FILE (never to TOKEN_FILE itself), and shows
what happened. Nothing leaves this machine.

Options:
  --variant NAME  the login page of which era (default newest; a wrong name lists them)
  --headed        show the browser window
  -h, --help      this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('sandbox', ctx.args, {
      variant: { type: 'string' },
      headed: { type: 'boolean' },
    });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    // The simulator is a package of its own, loaded only here: no other command pays for it.
    const { startSimulator, sandboxAccount, isPageVariant, PAGE_VARIANTS } = await import('@kite-autologin/simulator');
    const variant = values.variant ?? 'newest';
    if (!isPageVariant(variant)) throw new UsageError(`sandbox: --variant must be one of ${PAGE_VARIANTS.join(', ')}`);

    const base = loadBaseConfig({ env: ctx.env, cwd: ctx.cwd });
    const logger = createLogger(logLevelFor(base.logLevel, ctx.interactive));
    const [{ loginOnce: performLogin }, { throwawayGate }] = await Promise.all([
      import('../login/login-once.js'),
      import('../login/throwaway-gate.js'),
    ]);
    const { account, app } = sandboxAccount();
    const sim = await startSimulator({ accounts: [account], apps: [app], variant });
    const folder = dirname(base.tokenFile);
    const config: LoginConfig = {
      ...base,
      tokenFile: join(folder, 'sandbox-token.json'),
      diagnosticsDir: join(folder, 'sandbox-diagnostics'),
      loginUrl: sim.loginUrl,
      apiRoot: sim.apiRoot,
      credentials: {
        apiKey: app.apiKey,
        apiSecret: app.apiSecret,
        userId: account.userId,
        password: account.password,
        totpSecret: account.totpSecret,
        redirectUrl: app.redirectUrl,
      },
    };
    ctx.out(`Kite simulator at ${sim.origin} (page variant: ${variant}); throwaway account ${account.userId}, app ${app.apiKey}.`);
    try {
      const outcome = await performLogin(config, { force: true, headed: values.headed ?? false }, {
        logger,
        gate: await throwawayGate(config.credentials, logger),
        signal: ctx.signal,
        onPhase: (event) => {
          const line = describePhase(event, { userId: account.userId });
          if (line) ctx.out(line);
        },
      });
      ctx.out('');
      ctx.out('What the simulator saw:');
      ctx.out(`  password attempts: ${sim.count('api-login')}, TOTP attempts: ${sim.count('api-twofa')}, consent page shown: ${sim.count('connect-authorize') > 0 ? 'yes' : 'no'}`);
      ctx.out(`  token exchanges: ${sim.count('session-token')}, profile checks: ${sim.count('user-profile')}`);
      if (outcome.kind === 'logged-in') {
        ctx.out(`Sandbox login worked: token for ${outcome.token.user_id} saved to ${config.tokenFile} (valid until ${outcome.token.expires_at}).`);
        ctx.out(afterSandbox(ctx.env, ctx.cwd));
      }
      return ExitCode.OK;
    } finally {
      await sim.close();
    }
  },
};
