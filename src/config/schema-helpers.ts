import { z } from 'zod';
import type { ConfigProblem } from '../errors/index.js';
import type { RawConfig } from './read.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** An empty or blank variable counts as unset (so its default applies). */
export function blankToUndefined(raw: RawConfig): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw)) out[key] = value?.trim() ? value : undefined;
  return out;
}

/** zod issues as problems named by their variable. */
export function toProblems(error: z.ZodError, fallback = 'config'): ConfigProblem[] {
  return error.issues.map((issue) => ({ variable: String(issue.path[0] ?? fallback), message: issue.message }));
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A number of seconds within [min, max]. The bounds matter: a value that rounds to 0 ms
 * reads as "no timeout" to Playwright, and a huge one as "never".
 */
export function boundedSeconds(min: number, max: number, example: string) {
  const range = `must be between ${min} and ${max} seconds, e.g. ${example}`;
  return z.coerce.number({ error: `must be a number of seconds, e.g. ${example}` })
    .min(min, { error: range })
    .max(max, { error: range });
}
