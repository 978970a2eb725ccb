import type { Frame } from 'playwright';

/** A browser call that outlived its bound (its own promise may still settle later, and is ignored). */
export class BoundExceeded extends Error {
  override readonly name = 'BoundExceeded';
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/**
 * `operation`, or a BoundExceeded once `ms` have passed. Playwright bounds its actions, not
 * page evaluation, content or key presses: a page whose script locked up would hold those
 * forever, so every such call goes through here.
 */
export function within<T>(operation: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new BoundExceeded(what, ms)), ms);
  });
  // The operation may still reject after the bound: that rejection is nobody's to handle.
  operation.catch(() => undefined);
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}

/** An expression evaluated in a frame, bounded. */
export function evaluateWithin<T>(frame: Frame, expression: string, ms: number, what = 'page evaluation'): Promise<T> {
  return within(frame.evaluate<T>(expression), ms, what);
}
