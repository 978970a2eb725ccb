import { load, validateAll } from './load.js';
import { validateMetrics, type MetricsConfig } from './metrics-config.js';
import { validateNotify, type NotifyConfig } from './notify-config.js';
import type { RawConfig as RawConfigType, ReadOptions } from './read.js';
import { validateSchedule, type ScheduleConfig } from './schedule-config.js';
import { validateLogin, type LoginConfig } from './validate.js';

/*
 * Everything configuration, for the commands that log in (this module loads otplib, to check
 * the TOTP secret). A command that does not log in imports load.js and read.js instead.
 */

export type { BaseConfig, DatabaseSetting, LogLevel, RedisSetting } from './base-config.js';
export type { HookConfig } from './hook-config.js';
export type { MetricsConfig } from './metrics-config.js';
export type { Credentials, LoginConfig } from './validate.js';
export type { NotifyConfig } from './notify-config.js';
export type { ScheduleConfig } from './schedule-config.js';
export { isUnconfigured, readConfig, type RawConfig } from './read.js';
export { loadBaseConfig, loadObserved, loadObserverConfig, observerConfigFrom, validateAll, type Observed, type ObserverConfig } from './load.js';

/** What `login` needs: a login, and the channels that tell of a failed ON_TOKEN_COMMAND. */
export interface NotifyingLoginConfig extends LoginConfig {
  notify: NotifyConfig;
}

/** What the daemon and `run --once` need. */
export interface DaemonConfig extends NotifyingLoginConfig {
  schedule: ScheduleConfig;
  /** METRICS_PORT and METRICS_HOST: the daemon serves /metrics. Undefined (the default): nothing is served. */
  metrics?: MetricsConfig | undefined;
}

export function loadLoginConfig(options: ReadOptions): LoginConfig {
  return load<[LoginConfig]>(options, validateLogin)[0];
}

export function loadDaemonConfig(options: ReadOptions): DaemonConfig {
  const [login, schedule, notify, metrics] = load<[LoginConfig, ScheduleConfig, NotifyConfig, MetricsConfig | undefined]>(options, validateLogin, validateSchedule, validateNotify, validateMetrics);
  return { ...login, schedule, notify, metrics };
}

/** A login over strings already read (see validateAll): the attempt process's. */
export function loginConfigFrom(raw: RawConfigType, cwd: string): LoginConfig {
  return validateAll<[LoginConfig]>(raw, cwd, validateLogin)[0];
}

/** `login` over strings already read: the login, and where a failed ON_TOKEN_COMMAND is told. */
export function notifyingLoginConfigFrom(raw: RawConfigType, cwd: string): NotifyingLoginConfig {
  const [login, notify] = validateAll<[LoginConfig, NotifyConfig]>(raw, cwd, validateLogin, validateNotify);
  return { ...login, notify };
}

/** The daemon and `run --once` over strings already read. */
export function daemonConfigFrom(raw: RawConfigType, cwd: string): DaemonConfig {
  const [login, schedule, notify, metrics] = validateAll<[LoginConfig, ScheduleConfig, NotifyConfig, MetricsConfig | undefined]>(raw, cwd, validateLogin, validateSchedule, validateNotify, validateMetrics);
  return { ...login, schedule, notify, metrics };
}
