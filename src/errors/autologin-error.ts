import type { ErrorCode } from './error-code.js';

/** Process exit codes, documented in the README. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  CONFIG: 2,
  REJECTED: 3,
  PAGE_UNRECOGNISED: 4,
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The step of a login at which something happened; named in errors, logs and notifications. */
export type LoginStep =
  | 'config'
  | 'browser-launch'
  | 'login-page'
  | 'credentials'
  | 'second-factor'
  | 'consent'
  | 'redirect'
  | 'exchange'
  | 'profile'
  | 'save';

export interface AutologinErrorOptions {
  step?: LoginStep | undefined;
  cause?: unknown;
}

/**
 * The root of every error the tool raises on purpose. `code` is stable (scripts and
 * notifications key on it), `exitCode` is what the CLI exits with, and `retryable` says
 * whether a later attempt with a fresh browser and a fresh TOTP can help.
 * Messages never contain a secret: they are written to logs and sent in alerts.
 */
export abstract class AutologinError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly exitCode: ExitCode;
  abstract readonly retryable: boolean;
  readonly step: LoginStep | undefined;

  constructor(message: string, options: AutologinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.step = options.step;
  }

  /** What a log line or an alert may carry about this error. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, step: this.step, retryable: this.retryable };
  }
}

export function isAutologinError(value: unknown): value is AutologinError {
  return value instanceof AutologinError;
}
