import type { LogLevel } from './config/index.js';

/**
 * LOG_LEVEL when set; otherwise `info`, except for a person at a terminal running `login` or
 * `sandbox`, who reads the progress lines on stdout and gets only warnings as JSON.
 */
export function logLevelFor(configured: LogLevel | undefined, interactive: boolean): LogLevel {
  return configured ?? (interactive ? 'warn' : 'info');
}
