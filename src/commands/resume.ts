import { loadBaseConfig } from '../config/index.js';
import { stateFor } from '../daemon/runtime.js';
import { ExitCode } from '../errors/index.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Clear the stop left by a rejected password or TOTP, once you have fixed it',
  usage: `Usage: kite-autologin resume

When Kite rejects the user id or password (or the TOTP twice), kite-autologin stops logging in,
across restarts, so that it never spends the account's five attempts. Fix the cause first
(the credentials, or this machine's clock for a TOTP), then run this. Changing the
credentials in the configuration also clears the stop by itself.

Options:
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('resume', ctx.args, {});
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const state = stateFor(loadBaseConfig({ env: ctx.env, cwd: ctx.cwd }));
    const { halt } = await state.read();
    if (!halt) {
      ctx.out('Nothing to clear: kite-autologin is not stopped.');
      return ExitCode.OK;
    }
    await state.update((s) => { s.halt = undefined; });
    ctx.out(`Cleared the stop left by ${halt.code} at ${halt.at}.`);
    ctx.out('The next run logs in again. Make sure the cause is fixed: five wrong attempts block the account.');
    return ExitCode.OK;
  },
};
