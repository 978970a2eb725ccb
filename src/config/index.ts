import { load, validateAll } from './load.js';
import { validateNotify, type NotifyConfig } from './notify-config.js';
import type { RawConfig as RawConfigType, ReadOptions } from './read.js';
import { validateSchedule, type ScheduleConfig } from './schedule-config.js';
import { validateLogin, type LoginConfig } from './validate.js';

/*
 * Everything configuration, for the commands that log in (this module loads otplib, to check
 * the TOTP secret). A command that does not log in imports load.js and read.js instead.
 */

export type { BaseConfig, DatabaseSetting, LogLevel, RedisSetting } from './base-config.js';
export type { Credentials, LoginConfig } from './validate.js';
export type { NotifyConfig } from './notify-config.js';
export type { ScheduleConfig } from './schedule-config.js';
export { isUnconfigured, readConfig, type RawConfig } from './read.js';
export { loadBaseConfig, loadObserved, loadObserverConfig, observerConfigFrom, validateAll, type Observed, type ObserverConfig } from './load.js';

/** What the daemon and `run --once` need. */
export interface DaemonConfig extends LoginConfig {
  schedule: ScheduleConfig;
  notify: NotifyConfig;
}

export function loadLoginConfig(options: ReadOptions): LoginConfig {
  return load<[LoginConfig]>(options, validateLogin)[0];
}

export function loadDaemonConfig(options: ReadOptions): DaemonConfig {
  const [login, schedule, notify] = load<[LoginConfig, ScheduleConfig, NotifyConfig]>(options, validateLogin, validateSchedule, validateNotify);
  return { ...login, schedule, notify };
}

/** `login` over strings already read (see validateAll). */
export function loginConfigFrom(raw: RawConfigType, cwd: string): LoginConfig {
  return validateAll<[LoginConfig]>(raw, cwd, validateLogin)[0];
}

/** The daemon and `run --once` over strings already read. */
export function daemonConfigFrom(raw: RawConfigType, cwd: string): DaemonConfig {
  const [login, schedule, notify] = validateAll<[LoginConfig, ScheduleConfig, NotifyConfig]>(raw, cwd, validateLogin, validateSchedule, validateNotify);
  return { ...login, schedule, notify };
}
