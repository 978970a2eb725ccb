import { loadBaseConfig } from '../config/index.js';
import { ExitCode } from '../errors/index.js';
import { isTokenCurrent, TokenStore } from '../token-store.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the saved token: user, login time, expiry, validity',
  usage: `Usage: kite-autologin status [--check] [--json]

Reads the token file (TOKEN_FILE) and says whose token it is, when it was issued, when it
expires (06:00 IST) and whether it is still valid. Exits 0 only when a valid token exists.

Options:
  --check     also ask Kite (GET /user/profile) whether it still accepts the token
  --json      print the same as one JSON object (never the token itself)
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('status', ctx.args, {
      check: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const config = loadBaseConfig({ env: ctx.env, cwd: ctx.cwd });
    const store = new TokenStore(config.tokenFile);
    const read = await store.read();
    const now = new Date();

    const report: Record<string, unknown> = { tokenFile: config.tokenFile };
    let valid = false;
    if (read.state !== 'ok') {
      report['token'] = read.state === 'missing' ? 'none' : `unreadable (${read.reason})`;
    } else {
      const t = read.token;
      valid = isTokenCurrent(t, now);
      Object.assign(report, { userId: t.user_id, userName: t.user_name, apiKey: t.api_key, loginTime: t.login_time, expiresAt: t.expires_at, valid });
      if (values.check && valid) {
        const { createKiteSession } = await import('../kite/session.js');
        const { verifySavedToken } = await import('../login/current-token.js');
        const verdict = await verifySavedToken(store, undefined, (apiKey) => createKiteSession({ apiKey, root: config.apiRoot }), now);
        valid = verdict.valid;
        report['kiteAccepts'] = verdict.valid;
        if (!verdict.valid) report['reason'] = verdict.reason;
      }
    }

    if (values.json) {
      ctx.out(JSON.stringify(report));
    } else if (read.state !== 'ok') {
      ctx.out(`No valid token: ${read.state === 'missing' ? `no token file at ${config.tokenFile}` : `${config.tokenFile} is unreadable (${read.reason})`}.`);
    } else {
      ctx.out(`Token file:  ${config.tokenFile}`);
      ctx.out(`User:        ${read.token.user_id}${read.token.user_name ? ` (${read.token.user_name})` : ''}`);
      ctx.out(`Login time:  ${read.token.login_time}`);
      ctx.out(`Expires at:  ${read.token.expires_at}`);
      const checked = report['kiteAccepts'] === undefined ? '' : report['kiteAccepts'] ? ' (Kite accepts it)' : ` (Kite does not accept it: ${String(report['reason'])})`;
      ctx.out(`Valid:       ${valid ? 'yes' : 'no'}${checked}`);
    }
    return valid ? ExitCode.OK : ExitCode.FAILURE;
  },
};
