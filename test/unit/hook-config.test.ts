import { describe, expect, it } from 'vitest';
import { loadDaemonConfig, loadLoginConfig } from '../../src/config/index.js';
import { configProblems as problemsOf, fakeFiles as files, goodEnv as good } from '../support/config-fixtures.js';

describe('ON_TOKEN_COMMAND', () => {
  it('is off by default; on, it is kept exactly as given, with a 60 s timeout unless told', () => {
    expect(loadLoginConfig({ env: good, cwd: '/x', readFile: files({}) }).hook).toBeUndefined();
    const line = '  systemctl restart "trader.service" && echo done\n';
    expect(loadLoginConfig({ env: { ...good, ON_TOKEN_COMMAND: line }, cwd: '/x', readFile: files({}) }).hook).toEqual({ command: line, timeoutMs: 60_000 });
    expect(loadDaemonConfig({ env: { ...good, ON_TOKEN_COMMAND: 'true', ON_TOKEN_TIMEOUT_SECONDS: '2.5' }, cwd: '/x', readFile: files({}) }).hook).toEqual({ command: 'true', timeoutMs: 2_500 });
  });

  it('may come from a file (ON_TOKEN_COMMAND_FILE), its trailing newline dropped', () => {
    const config = loadLoginConfig({ env: { ...good, ON_TOKEN_COMMAND_FILE: '/run/secrets/hook' }, cwd: '/x', readFile: files({ '/run/secrets/hook': 'curl -H @/run/secrets/h http://127.0.0.1:8000/token\n' }) });
    expect(config.hook?.command).toBe('curl -H @/run/secrets/h http://127.0.0.1:8000/token');
  });

  it('reports a bad timeout, and a timeout without a command, by name with the other problems, never a value', () => {
    const problems = problemsOf(() => loadLoginConfig({ env: { ...good, KITE_USER_ID: '', ON_TOKEN_COMMAND: 'x', ON_TOKEN_TIMEOUT_SECONDS: '0.5' }, cwd: '/x', readFile: files({}) }));
    expect(problems).toEqual([
      { variable: 'KITE_USER_ID', message: 'is required: your Zerodha user id, e.g. AB1234' },
      { variable: 'ON_TOKEN_TIMEOUT_SECONDS', message: 'must be between 1 and 3600 seconds, e.g. 60' },
    ]);
    expect(problemsOf(() => loadLoginConfig({ env: { ...good, ON_TOKEN_TIMEOUT_SECONDS: 'CANARY' }, cwd: '/x', readFile: files({}) }))).toEqual([
      { variable: 'ON_TOKEN_TIMEOUT_SECONDS', message: 'must be a number of seconds, e.g. 60' },
      { variable: 'ON_TOKEN_TIMEOUT_SECONDS', message: 'is set, but ON_TOKEN_COMMAND is not: set the command (or ON_TOKEN_COMMAND_FILE), or remove the timeout' },
    ]);
    expect(problemsOf(() => loadLoginConfig({ env: { ...good, ON_TOKEN_COMMAND: 'x', ON_TOKEN_TIMEOUT_SECONDS: '3601' }, cwd: '/x', readFile: files({}) }))[0]?.variable).toBe('ON_TOKEN_TIMEOUT_SECONDS');
  });
});
