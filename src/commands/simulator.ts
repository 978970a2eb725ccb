import { resolve } from 'node:path';
import { ExitCode, UsageError } from '../errors/index.js';
import type { Command } from './context.js';
import { cliName } from './next-step.js';
import { parseCommandArgs } from './parse-args.js';
import { writeSimulatorFolder } from './simulator-files.js';

/** Accounts a simulator serves at most (each a user id ZZ0001...). */
const MAX_ACCOUNTS = 100;

export const simulatorCommand: Command = {
  name: 'simulator',
  summary: 'Serve the built-in Kite simulator on loopback, for trying the tool without an account',
  usage: `Usage: kite-autologin simulator [--accounts N] [--port P] [--dir D] [--seed S]

Starts the built-in Kite simulator (the login page, the second factor, the consent page, the
token exchange and the profile, with Kite's rules) on 127.0.0.1 and keeps it running until
you stop it (Ctrl-C). It writes into D simulated accounts' secrets (files of their own, mode
0600), an accounts file with two accounts or more, and simulator.env: the variables that
point the CLI at the simulator. Source that file in another shell and every command works
against it: login, run, status, several accounts, Redis, PostgreSQL, the hook, the metrics.
Nothing leaves this machine; no real account is involved.

Options:
  --accounts N  simulated accounts, 1 to ${MAX_ACCOUNTS} (default 1)
  --port P      the port to listen on (default: a free one)
  --dir D       where to write the files (default ./kite-simulator)
  --seed S      the accounts' passwords and TOTP secrets come from it (default 1)
  -h, --help    this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('simulator', ctx.args, {
      accounts: { type: 'string' }, port: { type: 'string' }, dir: { type: 'string' }, seed: { type: 'string' },
    });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const count = whole(values.accounts ?? '1', '--accounts', 1, MAX_ACCOUNTS);
    const port = whole(values.port ?? '0', '--port', 0, 65_535);
    const seed = whole(values.seed ?? '1', '--seed', 0, 2 ** 31);
    const dir = resolve(ctx.cwd, values.dir ?? 'kite-simulator');

    const { startSimulator, simAccounts, simApps } = await import('@kite-autologin/simulator');
    const accounts = simAccounts(count, seed);
    const [app] = simApps(1, seed) as [ReturnType<typeof simApps>[number]];
    const sim = await startSimulator({ accounts, apps: [app], port }).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`simulator: cannot listen on 127.0.0.1:${port} (${code ?? 'error'})${code === 'EADDRINUSE' ? ': the port is taken; choose another with --port, or leave it out for a free one' : ''}.`);
    });
    try {
      const folder = await writeSimulatorFolder(dir, sim, app, accounts);
      const cli = cliName(ctx.env, ctx.cwd).name;
      ctx.out(`Kite simulator at ${sim.origin}: ${count} simulated account(s) (${accounts.map((a) => a.userId).join(', ')}), app ${app.apiKey}.`);
      ctx.out(`Secrets are in ${dir}/secrets (0600). In another shell, point the CLI at the simulator:`);
      ctx.out('');
      ctx.out(`  set -a; . ${folder.envFile}; set +a`);
      ctx.out('');
      ctx.out('which sets:');
      for (const [name, value] of Object.entries(folder.variables)) ctx.out(`  ${name}=${value}`);
      ctx.out('');
      ctx.out(`Then, for example: ${cli} login --dry-run; ${cli} login; ${cli} status; ${cli} run`);
      ctx.out('Ready. Ctrl-C stops the simulator.');
      await stopped(ctx.signal);
      return ExitCode.OK;
    } finally {
      await sim.close();
    }
  },
};

function whole(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new UsageError(`simulator: ${option} must be a whole number from ${min} to ${max}.`);
  return value;
}

/** Until the command is stopped (Ctrl-C, SIGTERM): the simulator serves meanwhile. */
function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolveStop) => signal.addEventListener('abort', () => { resolveStop(); }, { once: true }));
}
