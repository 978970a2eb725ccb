import { hostname } from 'node:os';
import { worstExitCode } from '../accounts/worst-exit-code.js';
import { loadObserved, type ObserverConfig } from '../config/load.js';
import type { RawConfig } from '../config/read.js';
import { assessHealth, type HealthReport } from '../status/health-report.js';
import { configuredAccounts, loadEach } from '../wiring/configured-accounts.js';
import { linePrefix } from '../wiring/each-account.js';
import { calendarFor, savedTokenValid, stateFor } from '../wiring/from-config.js';
import { observedAccount, readAccountRecord } from '../login/account-record.js';
import type { AutologinState } from '../state/state-store.js';
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
    const configured = await configuredAccounts({ env: ctx.env, cwd: ctx.cwd, account: values.account });
    const observed = loadEach(configured, (account) => loadObserved({ env: account.env, cwd: ctx.cwd }));
    const now = new Date();
    const unreadable: number[] = [];
    // With several accounts, one whose records cannot be read is unhealthy on its own line (exit 2
    // for it); the others are still reported. One account: the error is the command's, as ever.
    const reports = await Promise.all(observed.map(async ({ config, raw }) => {
      try {
        return await accountHealth(config, raw, now);
      } catch (error) {
        if (!configured.fromFile || !isAutologinError(error)) throw error;
        unreadable.push(error.exitCode);
        return { healthy: false, problems: [`${error.code}: ${error.message}`], facts: [] } satisfies HealthReport;
      }
    }));
    configured.accounts.forEach((account, i) => {
      const report = reports[i] as HealthReport;
      const prefix = linePrefix(configured, account);
      ctx.out(`${prefix}${report.healthy ? 'healthy' : 'unhealthy'}`);
      for (const problem of report.problems) ctx.out(`${prefix}  ✗ ${problem}`);
      for (const fact of report.facts) ctx.out(`${prefix}  ✓ ${fact}`);
    });
    return worstExitCode([...reports.map((report) => (report.healthy ? ExitCode.OK : ExitCode.FAILURE)), ...unreadable]);
  },
};

async function accountHealth(config: ObserverConfig, raw: RawConfig, now: Date): Promise<HealthReport> {
  // The three files are read at once: each read waits on the disk, not on the others.
  const account = await observedAccount(raw, config.tokenFile);
  const [record, state, tokenValid] = await Promise.all([
    readAccountRecord(config, raw, now),
    account ? stateFor(config, account).read() : Promise.resolve<AutologinState>({}),
    savedTokenValid(config.tokenFile, now),
  ]);
  return assessHealth({
    now,
    state,
    stop: record?.stop ? { at: record.stop.since, code: record.stop.causes.join(', ') } : undefined,
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
