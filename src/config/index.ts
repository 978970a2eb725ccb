import { ConfigError, type ConfigProblem } from '../errors/index.js';
import { validateNotify, type NotifyConfig } from './notify-config.js';
import { readConfig, type RawConfig, type ReadOptions } from './read.js';
import { validateSchedule, type ScheduleConfig } from './schedule-config.js';
import type { Outcome } from './schema-helpers.js';
import { validateBase, validateLogin, type BaseConfig, type LoginConfig } from './validate.js';

export type { BaseConfig, Credentials, LoginConfig, LogLevel } from './validate.js';
export type { NotifyConfig } from './notify-config.js';
export type { ScheduleConfig } from './schedule-config.js';
export { isUnconfigured, readConfig, type RawConfig } from './read.js';

/** What the daemon and `run --once` need. */
export interface DaemonConfig extends LoginConfig {
  schedule: ScheduleConfig;
  notify: NotifyConfig;
}

/** What `status` and `health` need: no credentials. */
export interface ObserverConfig extends BaseConfig {
  schedule: ScheduleConfig;
}

type Validator<T> = (raw: RawConfig, cwd: string) => Outcome<T>;

/**
 * Reads once, runs every validator, and throws one ConfigError listing every problem of
 * every part, or returns the parts.
 */
function load<T extends unknown[]>(options: ReadOptions, ...validators: { [K in keyof T]: Validator<T[K]> }): T {
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

export function loadLoginConfig(options: ReadOptions): LoginConfig {
  return load<[LoginConfig]>(options, validateLogin)[0];
}

export function loadDaemonConfig(options: ReadOptions): DaemonConfig {
  const [login, schedule, notify] = load<[LoginConfig, ScheduleConfig, NotifyConfig]>(options, validateLogin, validateSchedule, validateNotify);
  return { ...login, schedule, notify };
}

export function loadObserverConfig(options: ReadOptions): ObserverConfig {
  const [base, schedule] = load<[BaseConfig, ScheduleConfig]>(options, validateBase, validateSchedule);
  return { ...base, schedule };
}
