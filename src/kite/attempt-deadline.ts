import { AbortedError, AttemptTimeoutError, type AutologinError, type LoginStep } from '../errors/index.js';

/** How many step timeouts one attempt may take in all (launch, page, answers, redirect, exchange). */
export const ATTEMPT_STEPS = 8;

/**
 * The longest a whole attempt may take as seen from outside it (the daemon): the lock wait,
 * its deadline, two TOTP windows it may choose to wait for, and a margin for closing.
 */
export function attemptBoundMs(stepTimeoutMs: number, lockWaitMs: number): number {
  return lockWaitMs + ATTEMPT_STEPS * stepTimeoutMs + 2 * 35_000 + 15_000;
}

/** The reason an attempt's signal carries when its deadline passed (not a shutdown). */
export class DeadlinePassed extends Error {
  override readonly name = 'DeadlinePassed';
  constructor(readonly afterMs: number) {
    super(`the attempt's deadline of ${Math.round(afterMs / 1000)}s passed`);
  }
}

export interface AttemptDeadline {
  /** Aborts when the caller's signal does, or when the deadline passes (reason: DeadlinePassed). */
  signal: AbortSignal;
  /** Moves the deadline later: a wait the flow chose (the next TOTP window) is not a hang. */
  extendBy(ms: number): void;
  /** Stops the timer (the attempt ended). */
  dispose(): void;
}

/**
 * One attempt's overall deadline: `ATTEMPT_STEPS` step timeouts from now, plus the waits the
 * flow chooses; the caller's own signal (a shutdown) aborts it too. Every await of the attempt
 * races this signal, so a page whose script locked up cannot hold the login, its turn or its
 * lock past it.
 */
export function attemptDeadline(stepTimeoutMs: number, outer?: AbortSignal, now: () => number = Date.now): AttemptDeadline {
  const controller = new AbortController();
  const budgetMs = ATTEMPT_STEPS * stepTimeoutMs;
  let end = now() + budgetMs;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (now() < end) { arm(); return; }
      controller.abort(new DeadlinePassed(budgetMs));
    }, Math.max(0, end - now()));
    timer.unref();
  };
  const onOuter = (): void => { clearTimeout(timer); controller.abort(outer?.reason); };
  if (outer?.aborted) controller.abort(outer.reason);
  else {
    outer?.addEventListener('abort', onOuter, { once: true });
    arm();
  }
  return {
    signal: controller.signal,
    extendBy: (ms) => { if (!controller.signal.aborted && ms > 0) { end += ms; arm(); } },
    dispose: () => { clearTimeout(timer); outer?.removeEventListener('abort', onOuter); },
  };
}

/** The error for an aborted signal: the deadline passed (ATTEMPT_TIMEOUT), or the run was stopped (ABORTED). */
export function abortedBy(signal: AbortSignal, step: LoginStep | undefined): AutologinError {
  const reason: unknown = signal.reason;
  if (reason instanceof DeadlinePassed) {
    return new AttemptTimeoutError(`The login attempt did not finish within its deadline (${Math.round(reason.afterMs / 1000)}s, ${ATTEMPT_STEPS} x STEP_TIMEOUT_SECONDS) at step ${step ?? 'start'}: the page or the browser stopped answering. It was abandoned (browser context closed, lock released).`, { step });
  }
  return new AbortedError('Login stopped.', { step });
}

/** `promise`, or the abort's error as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, step: LoginStep | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedBy(signal, step));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedBy(signal, step));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
