import { hostname } from 'node:os';
import { loadObserved } from '../config/load.js';
import { assessHealth } from '../daemon/health.js';
import { calendarFor, savedTokenValid, stateFor } from '../wiring/from-config.js';
import { observedAccount, readAccountRecord } from '../login/account-record.js';
import type { AutologinState } from '../state/state-store.js';
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
    const { config, raw } = loadObserved({ env: ctx.env, cwd: ctx.cwd });
    const now = new Date();
    // The three files are read at once: each read waits on the disk, not on the others.
    const account = await observedAccount(raw, config.tokenFile);
    const [record, state, tokenValid] = await Promise.all([
      readAccountRecord(config, raw, now),
      account ? stateFor(config, account).read() : Promise.resolve<AutologinState>({}),
      savedTokenValid(config.tokenFile, now),
    ]);
    const report = assessHealth({
      now,
      state,
      stop: record?.stop ? { at: record.stop.since, code: record.stop.causes.join(', ') } : undefined,
      tokenValid,
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
