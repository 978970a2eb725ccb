import type { ConfigProblem } from '../errors/config-error.js';
import type { RawConfig } from './read.js';

/**
 * Hand-written checks for every variable: no schema library, so that no command pays for
 * one at start-up (`status` and `health`, the container's HEALTHCHECK, least of all; a
 * schema library cost `login` tens of milliseconds of its whole run).
 */

export type Outcome<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** An empty or blank variable counts as unset (so its default applies). */
export function blankToUndefined(raw: RawConfig): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw)) out[key] = value?.trim() ? value : undefined;
  return out;
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
 * Reads variables one at a time and collects every problem, each naming its variable and
 * saying what a right value looks like, never the value itself. A bad variable reads as
 * its default so the others are still checked; the caller fails when `problems` is not empty.
 */
export class Variables {
  readonly problems: ConfigProblem[] = [];
  readonly #values: Record<string, string | undefined>;

  constructor(raw: RawConfig) {
    this.#values = blankToUndefined(raw);
  }

  problem(variable: string, message: string): void {
    this.problems.push({ variable, message });
  }

  /** Trimmed; undefined when unset or blank. */
  text(name: string): string | undefined {
    return this.#values[name]?.trim();
  }

  /** Exactly as given (not trimmed); undefined when unset or blank. */
  given(name: string): string | undefined {
    return this.#values[name];
  }

  /** Trimmed; a problem `is required: <what>` when unset or blank. */
  required(name: string, what: string): string | undefined {
    const value = this.text(name);
    if (value === undefined) this.problem(name, `is required: ${what}`);
    return value;
  }

  /** Exactly as given (a password may begin or end with a space); a problem `is required: <what>` when unset or blank. */
  requiredVerbatim(name: string, what: string): string | undefined {
    const value = this.given(name);
    if (value === undefined) this.problem(name, `is required: ${what}`);
    return value;
  }

  /** The trimmed value when `valid` says so, `fallback` when unset; otherwise a problem. */
  checked<F extends string | undefined>(name: string, fallback: F, valid: (value: string) => boolean, message: string): string | F {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (valid(value)) return value;
    this.problem(name, message);
    return fallback;
  }

  /** One of `allowed`, exactly as given (no trimming), `fallback` when unset; otherwise a problem. */
  oneOf<T extends string, F extends T | undefined>(name: string, allowed: readonly T[], fallback: F, message: string): T | F {
    const value = this.given(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(name, message);
    return fallback;
  }

  /**
   * A number of seconds within [min, max]. The bounds matter: a value that rounds to 0 ms
   * reads as "no timeout" to Playwright, and a huge one as "never".
   */
  seconds(name: string, bounds: { min: number; max: number; example: string }, fallback: number): number {
    const value = this.given(name);
    if (value === undefined) return fallback;
    const seconds = Number(value);
    if (!Number.isFinite(seconds)) {
      this.problem(name, `must be a number of seconds, e.g. ${bounds.example}`);
      return fallback;
    }
    if (seconds < bounds.min || seconds > bounds.max) {
      this.problem(name, `must be between ${bounds.min} and ${bounds.max} seconds, e.g. ${bounds.example}`);
      return fallback;
    }
    return seconds;
  }

  /** The outcome: the value when no problem was found. */
  outcome<T>(value: T): Outcome<T> {
    return this.problems.length > 0 ? { ok: false, problems: [...this.problems] } : { ok: true, value };
  }
}
