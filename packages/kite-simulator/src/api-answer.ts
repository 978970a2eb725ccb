/** What an API answers: an HTTP status and Kite's JSON envelope. */
export interface ApiAnswer {
  status: number;
  body: { status: 'success'; data: unknown } | { status: 'error'; message: string; data: unknown; error_type: string };
}

export const ok = (data: unknown): ApiAnswer => ({ status: 200, body: { status: 'success', data } });

export const fail = (status: number, errorType: string, message: string, data: unknown = null): ApiAnswer =>
  ({ status, body: { status: 'error', message, data, error_type: errorType } });
