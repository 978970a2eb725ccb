import type { Page, Request } from 'playwright';
import type { RawAnswer } from './kite-answer.js';

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
 * reads Kite's answer to it. The request is recognised by carrying the secret in its body
 * (as typed, form-encoded or JSON-escaped); a page that hides it (client-side encryption)
 * is answered by its first non-GET request instead. Nothing of the body is kept or logged.
 */
export function watchAnswer(page: Page, secret: string, boundMs: number, now: () => number = Date.now): AnswerWatch {
  const forms = secretForms(secret);
  let carrier: Request | undefined;
  let fallback: Request | undefined;
  let startedAt: number | undefined;
  let wake: (() => void) | undefined;
  const onRequest = (request: Request): void => {
    if (request.method() === 'GET' || !['xhr', 'fetch', 'document', 'other'].includes(request.resourceType())) return;
    const body = request.postData() ?? '';
    if (!carrier && forms.some((form) => body.includes(form))) carrier = request;
    else fallback ??= request;
    wake?.();
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
      const body = await response.text().catch(() => undefined);
      return { kind: 'response', status: response.status(), body };
    }, () => ({ kind: 'failed', reason: 'the page went away' }) as RawAnswer);
    return race([responded, failed], deadline, now);
  };

  return {
    sent: () => carrier !== undefined || fallback !== undefined,
    start: () => { startedAt ??= now(); },
    dispose: () => { page.off('request', onRequest); },
    async answer() {
      const deadline = (startedAt ?? now()) + boundMs;
      if (!carrier && !fallback) {
        const woken = await race([new Promise<RawAnswer>((resolve) => { wake = () => resolve({ kind: 'response', status: 0, body: undefined }); })], deadline, now);
        wake = undefined;
        if (woken.kind === 'none') return { kind: 'none', waitedMs: boundMs };
      }
      const request = carrier ?? fallback;
      if (!request) return { kind: 'none', waitedMs: boundMs };
      const answer = await readAnswer(request, deadline);
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
