import { createRequire } from 'node:module';
import type * as NodeCron from 'node-cron';
import { zonedParts } from './zoned-time.js';

/** A cron expression in a timezone; `matches` is what the pure planning needs. */
export interface CronSchedule {
  expression: string;
  timeZone: string;
  /** The [hour, minute] pairs the expression can fire at, in order. */
  timesOfDay: readonly (readonly [number, number])[];
  matches(instant: Date): boolean;
}

/*
 * node-cron is the authority on what an expression means (the daemon fires with it), but
 * loading it costs `status` and `health` (the HEALTHCHECK, every 30 s) more than the rest of
 * their work. The expressions people write (numbers, `*`, ranges, steps, lists) are read here,
 * exactly as node-cron reads them (test/unit/cron-plain.test.ts compares the two); anything
 * else (names, `L`, `W`, `#`, `?`, nicknames, wrapping ranges, errors) goes to node-cron.
 */

let nodeCron: typeof NodeCron | undefined;

/** node-cron, loaded on first need (its CommonJS build: synchronously). */
function cron(): typeof NodeCron {
  nodeCron ??= createRequire(import.meta.url)('node-cron') as typeof NodeCron;
  return nodeCron;
}

/** The values each of the five fields allows, in node-cron's order; the week day's 7 reads as 0. */
interface PlainFields { minute: number[]; hour: number[]; dayOfMonth: number[]; month: number[]; dayOfWeek: number[] }

const BOUNDS = [
  { min: 0, max: 59, star: [0, 59] },
  { min: 0, max: 23, star: [0, 23] },
  { min: 1, max: 31, star: [1, 31] },
  { min: 1, max: 12, star: [1, 12] },
  { min: 0, max: 7, star: [0, 6] },
] as const;

const MAX_DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `*`, `*\/s`, `n`, `a-b`, `a-b/s`: numbers of one or two digits, a step of at least 1. */
const TOKEN = /^(?:\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/;

/**
 * The fields of a plain, valid five-field expression; undefined when the expression is
 * anything else (node-cron then decides). Spaces only: node-cron refuses tabs and newlines.
 */
export function parsePlain(expression: string): PlainFields | undefined {
  const fields = expression.replace(/^ +| +$/g, '').split(/ +/);
  if (fields.length !== 5) return undefined;
  const values: number[][] = [];
  for (const [i, field] of fields.entries()) {
    const bounds = BOUNDS[i as 0 | 1 | 2 | 3 | 4];
    const list: number[] = [];
    for (const token of field.split(',')) {
      const match = TOKEN.exec(token);
      if (!match) return undefined;
      const [, from, to, step] = match;
      // `5/10` is not a range with a step to node-cron: it refuses it.
      if (step !== undefined && from !== undefined && to === undefined) return undefined;
      const [first, last] = from === undefined ? bounds.star : [Number(from), Number(to ?? from)];
      const by = step === undefined ? 1 : Number(step);
      // A wrapping range (22-2) and anything out of bounds: node-cron's to read, or refuse.
      if (by < 1 || first > last || first < bounds.min || last > bounds.max) return undefined;
      for (let v = first; v <= last; v += by) list.push(v);
    }
    values.push(list);
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = values as [number[], number[], number[], number[], number[]];
  // 31 February and the like: node-cron names the problem.
  if (!month.some((m) => dayOfMonth.some((d) => d <= (MAX_DAYS_IN_MONTH[m] ?? 0)))) return undefined;
  return { minute, hour, dayOfMonth, month, dayOfWeek: dayOfWeek.map((d) => (d === 7 ? 0 : d)) };
}

/** Problems with an expression, in words; empty when it is valid. Five fields only. */
export function cronProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return [`must have five fields (minute hour day-of-month month day-of-week), e.g. "30 7 * * *"; it has ${fields.length}`];
  if (parsePlain(expression)) return [];
  const result = cron().validateDetailed(expression);
  return result.valid ? [] : result.errors.map((e) => `${e.field}: ${e.message}`);
}

const sortedPairs = (hours: readonly number[], minutes: readonly number[]): (readonly [number, number])[] => {
  const byValue = (a: number, b: number): number => a - b;
  return [...hours].sort(byValue).flatMap((hour) => [...minutes].sort(byValue).map((minute) => [hour, minute] as const));
};

/**
 * The expression's matcher in the zone: for a plain expression, node-cron's rule (every
 * field must match, day of month and day of week alike, at second 0) applied here; otherwise
 * node-cron's own (a task that is never started).
 */
export function cronSchedule(expression: string, timeZone: string): CronSchedule {
  const plain = parsePlain(expression);
  if (plain) {
    const sets = {
      minute: new Set(plain.minute), hour: new Set(plain.hour), day: new Set(plain.dayOfMonth),
      month: new Set(plain.month), weekday: new Set(plain.dayOfWeek),
    };
    return {
      expression, timeZone, timesOfDay: sortedPairs(plain.hour, plain.minute),
      matches: (instant) => {
        const p = zonedParts(instant, timeZone);
        return p.second === 0 && sets.minute.has(p.minute) && sets.hour.has(p.hour) && sets.day.has(p.day)
          && sets.month.has(p.month) && sets.weekday.has(p.weekday);
      },
    };
  }
  const { createTask, parse } = cron();
  const task = createTask(expression, () => undefined, { timezone: timeZone, name: 'kite-autologin-plan' });
  const fields = parse(expression);
  return { expression, timeZone, timesOfDay: sortedPairs(fields.hour, fields.minute), matches: (instant) => task.match(instant) };
}
