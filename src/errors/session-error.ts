import type { Codes } from './error-code.js';
import { AutologinError, ExitCode, type AutologinErrorOptions } from './autologin-error.js';

export type SessionErrorCode = Codes<
  | 'REQUEST_TOKEN_EXPIRED'
  | 'API_KEY_REJECTED'
  | 'API_SECRET_REJECTED'
  | 'TOKEN_REJECTED'
  | 'TOKEN_USER_MISMATCH'
  | 'KITE_ERROR'
>;

const TRAITS: Record<SessionErrorCode, { exitCode: ExitCode; retryable: boolean }> = {
  // A fresh login brings a fresh request_token.
  REQUEST_TOKEN_EXPIRED: { exitCode: ExitCode.FAILURE, retryable: true },
  API_KEY_REJECTED: { exitCode: ExitCode.CONFIG, retryable: false },
  API_SECRET_REJECTED: { exitCode: ExitCode.CONFIG, retryable: false },
  TOKEN_REJECTED: { exitCode: ExitCode.FAILURE, retryable: true },
  TOKEN_USER_MISMATCH: { exitCode: ExitCode.CONFIG, retryable: false },
  KITE_ERROR: { exitCode: ExitCode.FAILURE, retryable: false },
};

/** The Kite Connect API refused the exchange or the token (api_key, checksum, expiry...). */
export class SessionError extends AutologinError {
  override readonly name = 'SessionError';
  readonly code: SessionErrorCode;
  readonly exitCode: ExitCode;
  readonly retryable: boolean;

  constructor(code: SessionErrorCode, message: string, options: AutologinErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.exitCode = TRAITS[code].exitCode;
    this.retryable = TRAITS[code].retryable;
  }
}
