import type { RouteName } from './faults.js';

/** One request the simulator served (recorded when its connection is done with it); never holds a secret. */
export interface RecordedRequest {
  at: number;
  method: string;
  route: RouteName;
  path: string;
  /** The HTTP status sent; 0 when nothing was sent (dropped, held, lost, or the client went away). */
  status: number;
}

/** One request as it reached the simulator: headers and body read, nothing answered yet. Never holds a secret. */
export interface ReceivedRequest {
  /** Kite's clock, epoch ms. */
  at: number;
  method: string;
  route: RouteName;
  path: string;
  /** Which request to this route it is, from 1. */
  nth: number;
  /** Whose request it is, where Kite can tell (the user id is not a secret); undefined otherwise. */
  userId: string | undefined;
}

export interface WaitOptions {
  /** Stops waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

interface Waiter {
  route: RouteName;
  nth: number;
  resolve: (request: ReceivedRequest) => void;
  reject: (reason: Error) => void;
}

/** The abort's reason as an Error (it is one unless the caller gave something else). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('the wait was aborted', { cause: reason });
}

/** What reached the simulator and what it answered, and waiting for a request to arrive. */
export class RequestLog {
  readonly recorded: RecordedRequest[] = [];
  readonly received: ReceivedRequest[] = [];
  readonly #waiters = new Set<Waiter>();
  #closed = false;

  record(request: RecordedRequest): void {
    this.recorded.push(request);
  }

  count(route: RouteName): number {
    return this.recorded.filter((r) => r.route === route).length;
  }

  receivedCount(route: RouteName): number {
    return this.received.filter((r) => r.route === route).length;
  }

  /** Notes an arrival and settles the waiters it satisfies. */
  arrive(request: Omit<ReceivedRequest, 'nth'>): ReceivedRequest {
    const arrived: ReceivedRequest = { ...request, nth: this.receivedCount(request.route) + 1 };
    this.received.push(arrived);
    for (const waiter of this.#waiters) {
      if (waiter.route === arrived.route && waiter.nth === arrived.nth) waiter.resolve(arrived);
    }
    return arrived;
  }

  /** Resolves with the nth request to `route` (from 1) once it has arrived; at once if it already has. */
  waitFor(route: RouteName, nth: number, options: WaitOptions = {}): Promise<ReceivedRequest> {
    if (!Number.isInteger(nth) || nth < 1) return Promise.reject(new RangeError(`nth must be a whole number from 1, not ${nth}`));
    const already = this.received.find((r) => r.route === route && r.nth === nth);
    if (already) return Promise.resolve(already);
    if (this.#closed) return Promise.reject(new Error(`the simulator is closed: request ${nth} to ${route} will never arrive`));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const promise = new Promise<ReceivedRequest>((resolve, reject) => {
      // Every way out removes the waiter and its abort listener: nothing outlives the wait.
      const onAbort = (): void => { done(); if (signal) reject(abortReason(signal)); };
      const done = (): void => {
        this.#waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        route,
        nth,
        resolve: (request) => { done(); resolve(request); },
        reject: (reason) => { done(); reject(reason); },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    // A wait nobody awaits must not become an unhandled rejection when the simulator closes.
    promise.catch(() => undefined);
    return promise;
  }

  /** How many waits are pending (tests check nothing leaks). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Ends every pending wait: no request arrives at a closed simulator. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.reject(new Error(`the simulator closed before request ${waiter.nth} to ${waiter.route} arrived`));
  }
}
