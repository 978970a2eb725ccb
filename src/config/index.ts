import { ConfigError } from '../errors/index.js';
import { readConfig, type ReadOptions } from './read.js';
import { validateBase, validateLogin, type BaseConfig, type LoginConfig } from './validate.js';

export type { BaseConfig, Credentials, LoginConfig, LogLevel } from './validate.js';
export { isUnconfigured, readConfig, type RawConfig } from './read.js';

/** Read and validate what every command needs; throws one ConfigError listing every problem. */
export function loadBaseConfig(options: ReadOptions): BaseConfig {
  const { raw, problems } = readConfig(options);
  const result = validateBase(raw, options.cwd);
  if (problems.length > 0 || !result.ok) throw new ConfigError([...problems, ...(result.ok ? [] : result.problems)]);
  return result.value;
}

/** Read and validate what a login needs; throws one ConfigError listing every problem. */
export function loadLoginConfig(options: ReadOptions): LoginConfig {
  const { raw, problems } = readConfig(options);
  const result = validateLogin(raw, options.cwd);
  if (problems.length > 0 || !result.ok) throw new ConfigError([...problems, ...(result.ok ? [] : result.problems)]);
  return result.value;
}
