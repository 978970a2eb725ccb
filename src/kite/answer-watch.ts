import type { Page, Request } from 'playwright';
import type { RawAnswer } from './kite-answer.js';

/** How long the body of an answer whose status has arrived may take. */
const BODY_WAIT_MS = 1_000;

export interface AnswerWatch {
  /** Has the page sent its request yet (a page may submit by itself at the sixth digit)? */
  sent(): boolean;
  /** Kite's answer to that request: bounded by `boundMs` from `start()`. */
  answer(): Promise<RawAnswer>;
  /** Starts the bound (call right before the submission is triggered). */
  start(): void;
  dispose(): void;
}

/**
 * Watches for the request the page itself sends with a secret (from any of its frames) and
 * reads Kite's answer to it. Only the request that carries the secret in its body (as typed,
 * form-encoded or JSON-escaped) is the answer: a page also sends other requests (analytics,
 * beacons) whose "204 No Content" must never be taken for Kite accepting a password. No such
 * request within the bound is an unknown outcome. Nothing of the body is kept or logged.
 */
export function watchAnswer(page: Page, secret: string, boundMs: number, now: () => number = Date.now): AnswerWatch {
  const forms = secretForms(secret);
  let carrier: Request | undefined;
  let startedAt: number | undefined;
  let wake: (() => void) | undefined;
  const onRequest = (request: Request): void => {
    if (request.method() === 'GET' || !['xhr', 'fetch', 'document', 'other'].includes(request.resourceType())) return;
    const body = request.postData() ?? '';
    if (!carrier && forms.some((form) => body.includes(form))) {
      carrier = request;
      wake?.();
    }
  };
  page.on('request', onRequest);

  const readAnswer = async (request: Request, deadline: number): Promise<RawAnswer> => {
    const failed = new Promise<RawAnswer>((resolve) => {
      const onFailed = (r: Request): void => {
        if (r !== request) return;
        page.off('requestfailed', onFailed);
        resolve({ kind: 'failed', reason: (r.failure()?.errorText ?? 'connection failed').slice(0, 80) });
      };
      page.on('requestfailed', onFailed);
    });
    const responded = request.response().then(async (response): Promise<RawAnswer> => {
      if (!response) return { kind: 'failed', reason: 'no response' };
      // The status has arrived; the body may never be readable once the page navigates on
      // (a login page leaves as soon as the code is accepted): read it briefly, else go by status.
      let timer: NodeJS.Timeout | undefined;
      const body = await Promise.race([
        response.text().catch(() => undefined),
        new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), BODY_WAIT_MS); }),
      ]).finally(() => clearTimeout(timer));
      return { kind: 'response', status: response.status(), body };
    }, (): RawAnswer => ({ kind: 'failed', reason: 'the page went away' }));
    return race([responded, failed], deadline, now);
  };

  return {
    sent: () => carrier !== undefined,
    start: () => { startedAt ??= now(); },
    dispose: () => { page.off('request', onRequest); },
    async answer() {
      const deadline = (startedAt ?? now()) + boundMs;
      if (!carrier) {
        const woken = await race([new Promise<RawAnswer>((resolve) => { wake = () => resolve({ kind: 'response', status: 0, body: undefined }); })], deadline, now);
        wake = undefined;
        if (woken.kind === 'none') return { kind: 'none', waitedMs: boundMs };
      }
      const request = carrier;
      if (!request) return { kind: 'none', waitedMs: boundMs };
      // An answer already on its way is waited for a little past the bound.
      const answer = await readAnswer(request, Math.max(deadline, now() + BODY_WAIT_MS));
      return answer.kind === 'none' ? { kind: 'none', waitedMs: boundMs } : answer;
    },
  };
}

/** Resolves with the first of `promises`, or `{kind: 'none'}` at `deadline`. */
function race(promises: Promise<RawAnswer>[], deadline: number, now: () => number): Promise<RawAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RawAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'none', waitedMs: 0 }), Math.max(0, deadline - now()));
  });
  return Promise.race([...promises, timeout]).finally(() => clearTimeout(timer));
}

/** The ways a page may put the secret in a request body. */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)]);
  return [...forms].filter((form) => form.length > 0);
}
