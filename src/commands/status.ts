import { loadObserverConfig } from '../config/load.js';
import { readConfig } from '../config/read.js';
import { calendarFor, scheduleFor, stateFor } from '../daemon/runtime.js';
import type { Submission } from '../ledger/attempt-rules.js';
import { readAccountRecord } from '../login/account-record.js';
import type { AutologinState } from '../state/state-store.js';
import { describeOffset } from '../time/clock-offset.js';
import { istDate } from '../time/ist.js';
import { ExitCode } from '../errors/autologin-error.js';
import { nextRuns } from '../schedule/plan.js';
import { formatIst } from '../time/ist.js';
import { isTokenCurrent, TokenStore } from '../token-store.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the saved token, the last attempt and the next runs',
  usage: `Usage: kite-autologin status [--check] [--json]

Says whose token is saved (TOKEN_FILE), when it was issued, when it expires (06:00 IST) and
whether it is still valid; then the daemon, the last attempt, any stop after a rejection,
and the next scheduled runs. Exits 0 only when a valid token exists.

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
    const config = loadObserverConfig({ env: ctx.env, cwd: ctx.cwd });
    const store = new TokenStore(config.tokenFile);
    const now = new Date();
    const record = await readAccountRecord(config, readConfig({ env: ctx.env, cwd: ctx.cwd }).raw, now);
    const account = record?.account;
    const [read, state] = await Promise.all([store.read(), account ? stateFor(config, account).read() : Promise.resolve<AutologinState>({})]);
    const ledger = record?.ledger;
    const today = istDate(now);
    const submissionsToday = ledger ? ledger.submissions().filter((x) => x.day === today) : [];
    const lastResume = ledger?.records.findLast((r) => r.type === 'resume');
    const stopped = record?.stop ?? null;
    const upcoming = nextRuns(scheduleFor(config), calendarFor(config), now, 3).map(formatIst);

    const token: Record<string, unknown> = { tokenFile: config.tokenFile };
    let valid = false;
    if (read.state !== 'ok') {
      token['token'] = read.state === 'missing' ? 'none' : `unreadable (${read.reason})`;
    } else {
      const t = read.token;
      valid = isTokenCurrent(t, now);
      Object.assign(token, { userId: t.user_id, userName: t.user_name, apiKey: t.api_key, loginTime: t.login_time, expiresAt: t.expires_at, valid });
      if (values.check && valid) {
        const [{ createKiteSession }, { verifySavedToken }] = await Promise.all([import('../kite/session.js'), import('../login/current-token.js')]);
        const verdict = await verifySavedToken(store, undefined, (apiKey) => createKiteSession({ apiKey, root: config.apiRoot }), now);
        valid = verdict.valid;
        token['kiteAccepts'] = verdict.valid;
        if (!verdict.valid) token['reason'] = verdict.reason;
      }
    }
    const report = {
      ...token,
      valid,
      daemon: state.daemon ? { pid: state.daemon.pid, startedAt: state.daemon.startedAt, heartbeatAt: state.daemon.heartbeatAt } : null,
      lastAttempt: state.lastAttempt ?? null,
      account: account ?? null,
      ledger: record?.files.ledger ?? null,
      submissionsToday: submissionsToday.map((x) => ({ at: x.at, factor: x.factor, outcome: x.outcome, code: x.code ?? null, via: x.via })),
      lastResume: lastResume?.at ?? null,
      stopped,
      kiteClock: state.kiteClock ?? null,
      nextRuns: upcoming,
    };

    if (values.json) {
      ctx.out(JSON.stringify(report));
      return valid ? ExitCode.OK : ExitCode.FAILURE;
    }
    if (read.state !== 'ok') {
      ctx.out(`No valid token: ${read.state === 'missing' ? `no token file at ${config.tokenFile}` : `${config.tokenFile} is unreadable (${read.reason})`}.`);
    } else {
      ctx.out(`Token file:   ${config.tokenFile}`);
      ctx.out(`User:         ${read.token.user_id}${read.token.user_name ? ` (${read.token.user_name})` : ''}`);
      ctx.out(`Login time:   ${read.token.login_time}`);
      ctx.out(`Expires at:   ${read.token.expires_at}`);
      const checked = token['kiteAccepts'] === undefined ? '' : token['kiteAccepts'] ? ' (Kite accepts it)' : ` (Kite does not accept it: ${String(token['reason'])})`;
      ctx.out(`Valid:        ${valid ? 'yes' : 'no'}${checked}`);
    }
    ctx.out(`Daemon:       ${state.daemon ? `pid ${state.daemon.pid} since ${state.daemon.startedAt}, heartbeat ${state.daemon.heartbeatAt}` : 'not running'}`);
    const last = state.lastAttempt;
    ctx.out(`Last attempt: ${last ? `${last.at} (${last.day}, ${last.trigger}): ${last.result}${last.code ? ` ${last.code}` : ''}${last.step ? ` at ${last.step}` : ''}, ${last.attempts} attempt(s)` : 'none'}`);
    ctx.out(`Today (IST):  ${submissionsToday.length === 0 ? 'nothing sent to Kite' : submissionsToday.map(describeSubmission).join('; ')}`);
    if (stopped) ctx.out(`STOPPED:      since ${stopped.since} after ${stopped.causes.join(', ')}; fix it, then run \`kite-autologin resume\` (changed credentials also clear it)`);
    if (state.kiteClock) ctx.out(`Kite's clock: ${describeOffset(state.kiteClock.offsetMs)} (measured ${state.kiteClock.measuredAt})`);
    ctx.out(`Next runs:    ${upcoming.join(', ') || 'none in the next year'}`);
    return valid ? ExitCode.OK : ExitCode.FAILURE;
  },
};

function describeSubmission(s: Submission): string {
  const answer = s.outcome === 'pending' ? 'no answer recorded (in progress, or unknown)' : s.outcome;
  return `${s.factor} at ${s.at.slice(11, 19)}Z ${answer}${s.code ? ` (${s.code})` : ''} via ${s.via}`;
}
