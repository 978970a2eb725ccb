import { AutologinError, ExitCode } from './autologin-error.js';

export interface ConfigProblem {
  /** The environment variable (or option) at fault. */
  variable: string;
  /** What is wrong and what a right value looks like. Never the value itself. */
  message: string;
}

/** The configuration cannot work; every problem found is listed at once. */
export class ConfigError extends AutologinError {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly exitCode = ExitCode.CONFIG;
  readonly retryable = false;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`,
      { step: 'config' },
    );
    this.problems = problems;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}
