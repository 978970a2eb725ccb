import { AbortedError, AutologinError, type ErrorCode, type ExitCode, type LoginStep } from '../errors/index.js';
import type { LoginOutcome } from '../login/login-once.js';

/** What one login attempt ended with; no token crosses the process boundary. */
export interface AttemptOutcome {
  kind: 'logged-in' | 'still-valid' | 'dry-run';
  /** When the saved token expires (logged-in, still-valid). */
  expiresAt?: string | undefined;
}

export function attemptOutcomeOf(outcome: LoginOutcome): AttemptOutcome {
  return { kind: outcome.kind, expiresAt: outcome.kind === 'dry-run' ? undefined : outcome.token.expires_at };
}

/** An AutologinError as it travels from the attempt process to the daemon. */
export interface WireError {
  name: string;
  code: ErrorCode;
  message: string;
  step?: LoginStep | undefined;
  retryable: boolean;
  exitCode: ExitCode;
  diagnostics?: readonly string[] | undefined;
}

export type AttemptMessage = { ok: true; outcome: AttemptOutcome } | { ok: false; error: WireError };

export function errorToWire(error: AutologinError): WireError {
  const diagnostics = diagnosticsOf(error);
  return {
    name: error.name, code: error.code, message: error.message, step: error.step,
    retryable: error.retryable, exitCode: error.exitCode, ...(diagnostics.length > 0 ? { diagnostics } : {}),
  };
}

/** An error reported by the attempt process, with the code, step and traits it had there. */
export class ReportedError extends AutologinError {
  override readonly name: string;
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly retryable: boolean;
  readonly diagnostics: readonly string[];

  constructor(wire: WireError) {
    super(wire.message, { step: wire.step });
    this.name = wire.name;
    this.code = wire.code;
    this.exitCode = wire.exitCode;
    this.retryable = wire.retryable;
    this.diagnostics = wire.diagnostics ?? [];
  }
}

export function errorFromWire(wire: WireError): AutologinError {
  return wire.code === 'ABORTED' ? new AbortedError(wire.message, { step: wire.step }) : new ReportedError(wire);
}

/** The screenshot and HTML an error points at, whichever process raised it. */
export function diagnosticsOf(error: AutologinError): readonly string[] {
  const value = (error as { diagnostics?: unknown }).diagnostics;
  return Array.isArray(value) ? (value as string[]) : [];
}

/** The daemon to the attempt process: start attempt `id` (its whole environment, secrets included, and its label), or abort it. */
export type ToAttemptProcess =
  | { type: 'attempt'; id: number; env: NodeJS.ProcessEnv; account?: string | undefined }
  | { type: 'abort'; id: number };

/** The attempt process to the daemon: attempt `id` ended so. */
export type FromAttemptProcess = AttemptMessage & { id: number };
