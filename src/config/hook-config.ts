import type { RawConfig } from './read.js';
import { Variables, type Outcome } from './variables.js';

/** The command run after each new token (certbot's --deploy-hook); see src/hook/. */
export interface HookConfig {
  /**
   * ON_TOKEN_COMMAND (or the file ON_TOKEN_COMMAND_FILE names), exactly as given: a line for
   * `/bin/sh -c`. It may carry something private (a header, a URL with a key), so it is never
   * logged, alerted or shown whole: only its program's name (see src/hook/command-name.ts).
   */
  command: string;
  /** ON_TOKEN_TIMEOUT_SECONDS, 1 to 3600: then its process group is killed. Default 60. */
  timeoutMs: number;
}

const TIMEOUT = { min: 1, max: 3600, example: '60' };

/** ON_TOKEN_COMMAND and its timeout; undefined (the default) when no command is set. */
export function validateHook(raw: RawConfig): Outcome<HookConfig | undefined> {
  const vars = new Variables(raw);
  const command = vars.given('ON_TOKEN_COMMAND');
  const timeout = vars.seconds('ON_TOKEN_TIMEOUT_SECONDS', TIMEOUT, 60);
  // A timeout with no command is a command that was meant and is not there (a misspelt name, a missing file).
  if (command === undefined && vars.given('ON_TOKEN_TIMEOUT_SECONDS') !== undefined) {
    vars.problem('ON_TOKEN_TIMEOUT_SECONDS', 'is set, but ON_TOKEN_COMMAND is not: set the command (or ON_TOKEN_COMMAND_FILE), or remove the timeout');
  }
  return vars.outcome(command === undefined ? undefined : { command, timeoutMs: Math.round(timeout * 1000) });
}
