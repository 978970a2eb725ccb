import { ConfigError, type ConfigProblem } from '../errors/config-error.js';
import { validateBase, type BaseConfig } from './base-config.js';
import { readConfig, type RawConfig, type ReadOptions } from './read.js';
import { validateSchedule, type ScheduleConfig } from './schedule-config.js';
import type { Outcome } from './variables.js';

/*
 * The loaders of what commands that do not log in need (`status`, `health`, `resume`): no
 * otplib, so these commands start fast. index.ts adds the loaders of the commands that log in.
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
  return loadWithRaw<T>(options, ...validators).values;
}

/**
 * The validators over strings already read (a command reads `.env` and the `*_FILE`s once,
 * for all its accounts): every problem of every part at once, or the parts.
 */
export function validateAll<T extends unknown[]>(raw: RawConfig, cwd: string, ...validators: { [K in keyof T]: Validator<T[K]> }): T {
  const all: ConfigProblem[] = [];
  const values = validators.map((validate) => {
    const outcome = validate(raw, cwd);
    if (!outcome.ok) all.push(...outcome.problems);
    return outcome.ok ? outcome.value : undefined;
  });
  if (all.length > 0) throw new ConfigError(all);
  return values as T;
}

/** `status` and `health` over strings already read. */
export function observerConfigFrom(raw: RawConfig, cwd: string): ObserverConfig {
  const [base, schedule] = validateAll<[BaseConfig, ScheduleConfig]>(raw, cwd, validateBase, validateSchedule);
  return { ...base, schedule };
}

/** Like `load`, and also the raw strings it read (one read of `.env` and the `*_FILE`s). */
export function loadWithRaw<T extends unknown[]>(options: ReadOptions, ...validators: { [K in keyof T]: Validator<T[K]> }): { values: T; raw: RawConfig } {
  const { raw, problems } = readConfig(options);
  const all: ConfigProblem[] = [...problems];
  const values = validators.map((validate) => {
    const outcome = validate(raw, options.cwd);
    if (!outcome.ok) all.push(...outcome.problems);
    return outcome.ok ? outcome.value : undefined;
  });
  if (all.length > 0) throw new ConfigError(all);
  return { values: values as T, raw };
}

export function loadBaseConfig(options: ReadOptions): BaseConfig {
  return load<[BaseConfig]>(options, validateBase)[0];
}

export function loadObserverConfig(options: ReadOptions): ObserverConfig {
  return loadObserved(options).config;
}

/** The observer configuration and the raw strings it came from (whose account to show is read from them). */
export interface Observed {
  config: ObserverConfig;
  raw: RawConfig;
}

/** For `status` and `health`: `.env` and the `*_FILE`s read once, for both. */
export function loadObserved(options: ReadOptions): Observed {
  const { values: [base, schedule], raw } = loadWithRaw<[BaseConfig, ScheduleConfig]>(options, validateBase, validateSchedule);
  return { config: { ...base, schedule }, raw };
}
