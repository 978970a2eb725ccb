/**
 * What may be said of an error we did not raise: its first line, query strings cut. The
 * lines after it are never kept: Playwright's call log lists each action with its value
 * (`fill("…")`), the password among them, and URLs carry sess_id and request_token.
 */
export function describeUnexpected(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').replace(/\?\S*/g, '').slice(0, 300);
}
