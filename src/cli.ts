#!/usr/bin/env node
import { realPath } from './disk/read.js';
import { fileURLToPath } from 'node:url';
import type { Command, CommandContext } from './commands/context.js';
import { AutologinError, ExitCode } from './errors/autologin-error.js';
import { VERSION } from './version.js';

/** A command as `--help` lists it; its module (and what that imports) is loaded only when chosen. */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

/**
 * Every command, by name, with its one-line summary (each module's own `summary`, repeated
 * here so that `--help` imports none of them; test/unit/cli.test.ts keeps the two equal).
 * Nothing heavy is imported above: `--help`, `--version`, `status` and `health` must start
 * about as fast as node itself (see `npm run bench -- --startup-only`).
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'login', summary: 'Log in to Kite now and save today\'s access token', load: async () => (await import('./commands/login.js')).loginCommand },
  { name: 'run', summary: 'Run unattended: log in every trading morning (or once, with --once)', load: async () => (await import('./commands/run.js')).runCommand },
  { name: 'status', summary: 'Show the saved token, the last attempt and the next runs', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'health', summary: 'Exit 0 only when the daemon is alive and a valid token exists whenever one should', load: async () => (await import('./commands/health.js')).healthCommand },
  { name: 'resume', summary: 'Clear the stop left by a rejected or unanswered password or TOTP, once you have fixed it', load: async () => (await import('./commands/resume.js')).resumeCommand },
  { name: 'migrate', summary: 'Move this host\'s file ledgers into the database (DATABASE_URL), stops and counts included', load: async () => (await import('./commands/migrate.js')).migrateCommand },
  { name: 'sandbox', summary: 'Run the real login against the built-in Kite simulator (no account needed)', load: async () => (await import('./commands/sandbox.js')).sandboxCommand },
  { name: 'simulator', summary: 'Serve the built-in Kite simulator on loopback, for trying the tool without an account', load: async () => (await import('./commands/simulator.js')).simulatorCommand },
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `kite-autologin ${VERSION}: logs in to Zerodha Kite Connect and saves the day's access token.

Usage: kite-autologin <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`kite-autologin <command> --help\` for a command's options. With ACCOUNTS_FILE (a YAML list
of accounts), each command acts on every account, or on one with --account USER_ID.
Exit codes: 0 ok, 1 failure, 2 configuration, usage or unreadable state, 3 Kite rejected the
user id, password or TOTP, or its answer was never seen, or the attempt ledger refuses (never
retried), 4 login page not recognised, 130 interrupted.`;
}

export interface CliIo {
  env: CommandContext['env'];
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
  signal: AbortSignal;
  /** stderr is a terminal. Default false. */
  interactive?: boolean;
}

/**
 * The one place where errors become messages and exit codes. Takes raw arguments so it can
 * be tested without spawning a process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(usage());
      return name === undefined ? ExitCode.CONFIG : ExitCode.OK;
    }
    if (name === '--version' || name === '-v') {
      io.out(VERSION);
      return ExitCode.OK;
    }
    const entry = COMMANDS.find((c) => c.name === name);
    // What only a failure needs is loaded when one happens (fewer modules for --help to load).
    if (!entry) {
      const { UsageError } = await import('./errors/usage-error.js');
      throw new UsageError(`Unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`);
    }
    const command = await entry.load();
    return await command.run({ args, env: io.env, cwd: io.cwd, out: io.out, signal: io.signal, interactive: io.interactive ?? false });
  } catch (error) {
    if (error instanceof AutologinError) {
      io.err(`kite-autologin: ${error.code}: ${error.message}`);
      return error.exitCode;
    }
    const { describeUnexpected } = await import('./errors/describe-unexpected.js');
    io.err(`kite-autologin: unexpected error: ${describeUnexpected(error)}`);
    return ExitCode.FAILURE;
  }
}

/**
 * First SIGINT/SIGTERM: abort the work so the browser is closed and nothing half-written is
 * left; a second one exits at once (Playwright still kills its browser on exit).
 */
function installSignalHandlers(controller: AbortController, err: (line: string) => void): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received > 1) process.exit(ExitCode.INTERRUPTED);
    err(`kite-autologin: ${signal} received, stopping (send again to exit at once)`);
    controller.abort(new Error(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Writes lines to a standard stream whose reader may go away (`kite-autologin status | head`).
 * A broken pipe (EPIPE) is nobody's error: the lines are dropped quietly from then on, and
 * the command's exit code stands. Any other write error is still thrown.
 */
export function lineWriter(stream: NodeJS.WriteStream): (line: string) => void {
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') broken = true;
    else throw error;
  });
  return (line) => {
    if (!broken) stream.write(`${line}\n`);
  };
}

/** Node's typings say `isTTY` is a boolean; on a pipe it is undefined. */
function isTerminal(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true;
}

async function main(): Promise<void> {
  const controller = new AbortController();
  const out = lineWriter(process.stdout);
  const err = lineWriter(process.stderr);
  installSignalHandlers(controller, err);
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    out,
    err,
    signal: controller.signal,
    interactive: isTerminal(process.stderr),
  });
  process.exitCode = code;
}

const invokedDirectly = process.argv[1] !== undefined && realPath(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) void main();
