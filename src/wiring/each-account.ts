import { ExitCode, isAutologinError } from '../errors/autologin-error.js';
import { describeUnexpected } from '../errors/describe-unexpected.js';
import { worstExitCode } from '../accounts/worst-exit-code.js';
import type { ConfiguredAccount } from './configured-accounts.js';

export interface EachAccountOptions {
  /** At most this many accounts at once. Default: all at once. */
  concurrency?: number;
  /** The command's answer for a person (stdout). */
  out: (line: string) => void;
}

/**
 * Runs `work` for every account, at most `concurrency` at a time, in the accounts' order,
 * and returns the worst exit code (worstExitCode). One account's failure is reported on its
 * own line and never stops another's turn. The single KITE_* account runs as commands always
 * have: its error is thrown for the CLI entry to report.
 */
export async function forEachAccount<E extends { configured: ConfiguredAccount }>(
  set: { fromFile: boolean; entries: readonly E[] },
  options: EachAccountOptions,
  work: (entry: E, out: (line: string) => void) => Promise<number>,
): Promise<number> {
  const accounts = set.entries;
  const [only] = accounts;
  if (!set.fromFile && only && accounts.length === 1) return work(only, options.out);
  const codes = await inPool(accounts, options.concurrency ?? accounts.length, async (account) => {
    const prefix = set.fromFile ? `[${account.configured.label}] ` : '';
    const out = (line: string): void => options.out(`${prefix}${line}`);
    try {
      return await work(account, out);
    } catch (error) {
      // Codes and our own messages only: an AutologinError's message never holds a secret.
      if (isAutologinError(error)) {
        out(`kite-autologin: ${error.code}: ${error.message}`);
        return error.exitCode;
      }
      out(`kite-autologin: unexpected error: ${describeUnexpected(error)}`);
      return ExitCode.FAILURE;
    }
  });
  return worstExitCode(codes);
}

/** `task` for each item, at most `limit` at a time, started in order; results in the items' order. */
export async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

/** A gate that lets `limit` holders in at a time (the daemon's attempts across accounts). */
export function limiter(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await task();
    } finally {
      const wake = waiting.shift();
      if (wake) wake(); else active -= 1;
    }
  };
}
