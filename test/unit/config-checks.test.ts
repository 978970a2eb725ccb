import { describe, expect, it } from 'vitest';
import { loadBaseConfig, loadObserverConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors/index.js';

/**
 * The variables `status` and `health` read are checked by hand (config/base-config.ts,
 * config/schedule-config.ts), without zod: the same words zod gave, every problem at once,
 * in the order of the variables, never a value.
 */
const noFiles = (): string => { throw Object.assign(new Error('missing'), { code: 'ENOENT' }); };
const observe = (env: Record<string, string>) => loadObserverConfig({ env, cwd: '/w', readFile: noFiles });
const problemsOf = (env: Record<string, string>) => {
  try {
    observe(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('hand-written checks of the observer configuration', () => {
  it('applies every default, and counts a blank variable as unset', () => {
    const blank = Object.fromEntries(['TOKEN_FILE', 'KITE_LOGIN_URL', 'CHROMIUM_SANDBOX', 'LOG_LEVEL', 'STEP_TIMEOUT_SECONDS', 'CRON_SCHEDULE', 'SCHEDULE_TIMEZONE', 'SKIP_DATES', 'RETRY_DEADLINE', 'RETRY_BACKOFF_SECONDS'].map((n) => [n, '  ']));
    for (const env of [{}, blank]) {
      expect(observe(env)).toEqual({
        tokenFile: '/w/data/kite-token.json', stateDir: '/w/data', diagnosticsDir: '/w/data/diagnostics',
        loginUrl: 'https://kite.zerodha.com/connect/login', apiRoot: 'https://api.kite.trade', chromiumPath: undefined,
        chromiumSandbox: 'auto', logLevel: undefined, stepTimeoutMs: 30_000,
        schedule: {
          cron: '30 7 * * *', timeZone: 'Asia/Kolkata', skipDates: [], extraDates: [], deadline: { hour: 9, minute: 0 },
          holidaysFile: undefined, backoffBaseMs: 10_000,
        },
      });
    }
  });

  it('trims what is trimmed, and keeps the rest as given', () => {
    const config = observe({
      TOKEN_FILE: ' t.json ', STATE_DIR: ' s ', KITE_API_ROOT: ' http://127.0.0.1:9/api// ', CHROMIUM_PATH: ' /c ', LOG_LEVEL: 'debug',
      STEP_TIMEOUT_SECONDS: ' 1.5 ', CRON_SCHEDULE: ' 0 8 * * 1-5 ', SCHEDULE_TIMEZONE: ' America/New_York ', SKIP_DATES: '2026-01-01, 2026-01-02,',
      RETRY_DEADLINE: ' 8:30 ', HOLIDAYS_FILE: ' h.json ', RETRY_BACKOFF_SECONDS: '0.25',
    });
    expect(config).toMatchObject({ tokenFile: '/w/t.json', stateDir: '/w/s', apiRoot: 'http://127.0.0.1:9/api', chromiumPath: '/c', logLevel: 'debug', stepTimeoutMs: 1_500 });
    expect(config.schedule).toEqual({
      cron: '0 8 * * 1-5', timeZone: 'America/New_York', skipDates: ['2026-01-01', '2026-01-02'], extraDates: [],
      deadline: { hour: 8, minute: 30 }, holidaysFile: 'h.json', backoffBaseMs: 250,
    });
  });

  it('reports every problem at once, in the order of the variables, each in its own words', () => {
    const env = {
      RETRY_BACKOFF_SECONDS: 'Infinity', RETRY_DEADLINE: '24:00', EXTRA_TRADING_DATES: 'soon', SKIP_DATES: '2026-02-30, 2026-03-01,x',
      SCHEDULE_TIMEZONE: 'Mars/Olympus', CRON_SCHEDULE: '61 25 * * *', STEP_TIMEOUT_SECONDS: '601', LOG_LEVEL: 'INFO',
      CHROMIUM_SANDBOX: ' on', KITE_API_ROOT: 'ftp://x', KITE_LOGIN_URL: 'kite.zerodha.com',
    };
    expect(problemsOf(env)).toEqual([
      { variable: 'KITE_LOGIN_URL', message: 'must be an absolute http(s) URL, e.g. https://kite.zerodha.com/connect/login' },
      { variable: 'KITE_API_ROOT', message: 'must be an absolute http(s) URL, e.g. https://api.kite.trade' },
      { variable: 'CHROMIUM_SANDBOX', message: 'must be auto, on or off' },
      { variable: 'LOG_LEVEL', message: 'must be one of fatal, error, warn, info, debug, trace, silent' },
      { variable: 'STEP_TIMEOUT_SECONDS', message: 'must be between 1 and 600 seconds, e.g. 30' },
      { variable: 'CRON_SCHEDULE', message: 'is not a valid cron expression: minute: 61 is a invalid expression for minute' },
      { variable: 'CRON_SCHEDULE', message: 'is not a valid cron expression: hour: 25 is a invalid expression for hour' },
      { variable: 'SCHEDULE_TIMEZONE', message: 'must be an IANA timezone such as Asia/Kolkata' },
      { variable: 'SKIP_DATES', message: 'must be comma-separated dates like 2026-11-08; not dates: 2026-02-30, x' },
      { variable: 'EXTRA_TRADING_DATES', message: 'must be comma-separated dates like 2026-11-08; not dates: soon' },
      { variable: 'RETRY_DEADLINE', message: 'must be a time of day like 09:00' },
      { variable: 'RETRY_BACKOFF_SECONDS', message: 'must be a number of seconds, e.g. 10' },
    ]);
  });

  it('never repeats a value it refuses (dates excepted: they are not secrets, and naming them helps)', () => {
    const values = { KITE_LOGIN_URL: 'CANARY-URL', KITE_API_ROOT: 'CANARY-ROOT', CHROMIUM_SANDBOX: 'CANARY-SB', LOG_LEVEL: 'CANARY-LEVEL', STEP_TIMEOUT_SECONDS: 'CANARY-STEP', SCHEDULE_TIMEZONE: 'CANARY-ZONE', RETRY_DEADLINE: 'CANARY-DL', RETRY_BACKOFF_SECONDS: 'CANARY-BO' };
    const problems = problemsOf(values);
    expect(problems.map((p) => p.variable)).toEqual(Object.keys(values));
    expect(JSON.stringify(problems)).not.toContain('CANARY');
  });

  it('reads numbers of seconds as Number() does, finite and within bounds', () => {
    const step = (value: string) => loadBaseConfig({ env: { STEP_TIMEOUT_SECONDS: value }, cwd: '/w', readFile: noFiles }).stepTimeoutMs;
    expect(step('0x10')).toBe(16_000);
    expect(step('1e2')).toBe(100_000);
    expect(step(' 5 ')).toBe(5_000);
    for (const bad of ['NaN', '-Infinity', '30s', '1_0']) {
      expect(() => step(bad), bad).toThrow(/STEP_TIMEOUT_SECONDS: must be a number of seconds, e\.g\. 30/);
    }
  });
});
