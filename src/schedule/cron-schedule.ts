import { createTask, parse, validateDetailed } from 'node-cron';

/** A cron expression in a timezone; `matches` is what the pure planning needs. */
export interface CronSchedule {
  expression: string;
  timeZone: string;
  /** The [hour, minute] pairs the expression can fire at, in order. */
  timesOfDay: readonly (readonly [number, number])[];
  matches(instant: Date): boolean;
}

/** Problems with an expression, in words; empty when it is valid. Five fields only. */
export function cronProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return [`must have five fields (minute hour day-of-month month day-of-week), e.g. "30 7 * * *"; it has ${fields.length}`];
  const result = validateDetailed(expression);
  return result.valid ? [] : result.errors.map((e) => `${e.field}: ${e.message}`);
}

/** node-cron's own matcher for the expression in the zone (a task that is never started). */
export function cronSchedule(expression: string, timeZone: string): CronSchedule {
  const task = createTask(expression, () => undefined, { timezone: timeZone, name: 'kite-autologin-plan' });
  const fields = parse(expression);
  const timesOfDay = [...fields.hour].sort((a, b) => a - b)
    .flatMap((hour) => [...fields.minute].sort((a, b) => a - b).map((minute) => [hour, minute] as const));
  return { expression, timeZone, timesOfDay, matches: (instant) => task.match(instant) };
}
