import { hostname } from 'node:os';
import { loadObserverConfig } from '../config/load.js';
import { readConfig } from '../config/read.js';
import { assessHealth } from '../daemon/health.js';
import { calendarFor, observedAccount, savedTokenValid, stateFor } from '../daemon/runtime.js';
import { AccountLedger } from '../ledger/account-ledger.js';
import { failuresSinceResume } from '../ledger/attempt-rules.js';
import { fileLedgerStore } from '../ledger/ledger-store.js';
import { accountFiles } from '../login/account-files.js';
import { ExitCode } from '../errors/autologin-error.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const healthCommand: Command = {
  name: 'health',
  summary: 'Exit 0 only when the daemon is alive and a valid token exists whenever one should',
  usage: `Usage: kite-autologin health

For Docker's HEALTHCHECK (and any monitor): exits 0 when the daemon (\`run\`) is alive, no
rejected login has stopped it, and a valid token is saved whenever one should be (on a
trading day from RETRY_DEADLINE on); 1 otherwise, saying why. Reads files only: no Kite call.

Options:
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('health', ctx.args, {});
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const config = loadObserverConfig({ env: ctx.env, cwd: ctx.cwd });
    const now = new Date();
    const account = await observedAccount(readConfig({ env: ctx.env, cwd: ctx.cwd }).raw, config.tokenFile);
    const ledger = account ? await AccountLedger.open(fileLedgerStore(accountFiles(config, account).ledger), account, now, { create: false }) : undefined;
    const { failures, stops } = ledger ? failuresSinceResume(ledger.records) : { failures: [], stops: [] };
    const report = assessHealth({
      now,
      state: account ? await stateFor(config, account).read() : {},
      stop: failures[0] ? { at: failures[0].answeredAt ?? failures[0].at, code: failures[0].code ?? failures[0].outcome } : stops[0] ? { at: stops[0].at, code: stops[0].code } : undefined,
      tokenValid: await savedTokenValid(config.tokenFile, now),
      calendar: calendarFor(config),
      schedule: config.schedule,
      hostname: hostname(),
      pidAlive,
    });
    ctx.out(report.healthy ? 'healthy' : 'unhealthy');
    for (const problem of report.problems) ctx.out(`  ✗ ${problem}`);
    for (const fact of report.facts) ctx.out(`  ✓ ${fact}`);
    return report.healthy ? ExitCode.OK : ExitCode.FAILURE;
  },
};

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
