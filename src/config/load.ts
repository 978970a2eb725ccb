import { ConfigError, type ConfigProblem } from '../errors/config-error.js';
import { validateBase, type BaseConfig } from './base-config.js';
import { readConfig, type RawConfig, type ReadOptions } from './read.js';
import { validateSchedule, type ScheduleConfig } from './schedule-config.js';
import type { Outcome } from './variables.js';

/*
 * The loaders of what commands that do not log in need (`status`, `health`, `resume`): no
 * zod, no otplib, so these commands start fast. index.ts adds the loaders of the commands
 * that log in.
 */

/** What `status` and `health` need: no credentials. */
export interface ObserverConfig extends BaseConfig {
  schedule: ScheduleConfig;
}

export type Validator<T> = (raw: RawConfig, cwd: string) => Outcome<T>;

/**
 * Reads once, runs every validator, and throws one ConfigError listing every problem of
 * every part, or returns the parts.
 */
export function load<T extends unknown[]>(options: ReadOptions, ...validators: { [K in keyof T]: Validator<T[K]> }): T {
  const { raw, problems } = readConfig(options);
  const all: ConfigProblem[] = [...problems];
  const values = validators.map((validate) => {
    const outcome = validate(raw, options.cwd);
    if (!outcome.ok) all.push(...outcome.problems);
    return outcome.ok ? outcome.value : undefined;
  });
  if (all.length > 0) throw new ConfigError(all);
  return values as T;
}

export function loadBaseConfig(options: ReadOptions): BaseConfig {
  return load<[BaseConfig]>(options, validateBase)[0];
}

export function loadObserverConfig(options: ReadOptions): ObserverConfig {
  const [base, schedule] = load<[BaseConfig, ScheduleConfig]>(options, validateBase, validateSchedule);
  return { ...base, schedule };
}
