import type { RawConfig } from '../config/index.js';

/** What a command gets from the CLI entry; everything outside the process is in here. */
export interface CommandContext {
  /** Arguments after the command name. */
  args: string[];
  env: RawConfig;
  cwd: string;
  /** The command's answer for a person (stdout). */
  out: (line: string) => void;
  /** Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** A person is watching stderr (a terminal). */
  interactive: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code; throws AutologinError for the entry to report. */
  run(context: CommandContext): Promise<number>;
}
