import { hostname } from 'node:os';
import { worstExitCode } from '../accounts/worst-exit-code.js';
import { viewAccount } from '../account/account-view.js';
import type { AccountRecord } from '../account/record.js';
import { tokenCurrent } from '../account/todays-token.js';
import { observerConfigFrom, type ObserverConfig } from '../config/load.js';
import { assessHealth, type HealthReport } from '../status/health-report.js';
import { calendarFor } from '../wiring/from-config.js';
import { openAccounts } from '../wiring/open-accounts.js';
import type { AutologinState } from '../state/autologin-state.js';
import { ExitCode, isAutologinError } from '../errors/autologin-error.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const healthCommand: Command = {
  name: 'health',
  summary: 'Exit 0 only when the daemon is alive and a valid token exists whenever one should',
  usage: `Usage: kite-autologin health [--account USER_ID]

For Docker's HEALTHCHECK (and any monitor): exits 0 when the daemon (\`run\`) is alive, no
rejected login has stopped it, and a valid token is saved whenever one should be (on a
trading day from RETRY_DEADLINE on); 1 otherwise, saying why. Reads files only: no Kite call.
With ACCOUNTS_FILE: every account (or only --account's), each line naming its account;
exits 0 only when every account is healthy.

Options:
  --account USER_ID
              only this account of ACCOUNTS_FILE (without ACCOUNTS_FILE: must be KITE_USER_ID)
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('health', ctx.args, { account: { type: 'string' } });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const opened = await openAccounts({ env: ctx.env, cwd: ctx.cwd, account: values.account, config: observerConfigFrom, use: 'read' });
    const now = new Date();
    const unreadable: number[] = [];
    // With several accounts, one whose records cannot be read is unhealthy on its own line (exit 2
    // for it); the others are still reported. One account: the error is the command's, as ever.
    const reports = await Promise.all(opened.entries.map(async ({ config, record }) => {
      try {
        return await accountHealth(config, record, now);
      } catch (error) {
        if (!opened.fromFile || !isAutologinError(error)) throw error;
        unreadable.push(error.exitCode);
        return { healthy: false, problems: [`${error.code}: ${error.message}`], facts: [] } satisfies HealthReport;
      }
    })).finally(() => opened.close());
    opened.entries.forEach(({ configured }, i) => {
      const report = reports[i] as HealthReport;
      const prefix = opened.fromFile ? `[${configured.label}] ` : '';
      ctx.out(`${prefix}${report.healthy ? 'healthy' : 'unhealthy'}`);
      for (const problem of report.problems) ctx.out(`${prefix}  ✗ ${problem}`);
      for (const fact of report.facts) ctx.out(`${prefix}  ✓ ${fact}`);
    });
    return worstExitCode([...reports.map((report) => (report.healthy ? ExitCode.OK : ExitCode.FAILURE)), ...unreadable]);
  },
};

async function accountHealth(config: ObserverConfig, record: AccountRecord | undefined, now: Date): Promise<HealthReport> {
  // Read at once: each read waits on the disk (or the database), not on the others.
  const [view, state, tokenValid] = await Promise.all([
    record ? viewAccount(record, now) : Promise.resolve(undefined),
    record ? record.morning.read() : Promise.resolve<AutologinState>({}),
    tokenCurrent(record, config.tokenFile, now),
  ]);
  return assessHealth({
    now,
    state,
    stop: view?.stop ? { at: view.stop.since, code: view.stop.causes.join(', ') } : undefined,
    tokenValid,
    calendar: calendarFor(config),
    schedule: config.schedule,
    hostname: hostname(),
    pidAlive,
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
