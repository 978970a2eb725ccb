import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLoginConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { accountTitle, configuredAccounts, loadEach } from '../../src/wiring/configured-accounts.js';

const TOTP_A = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const TOTP_B = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-acc-unit-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const single = {
  KITE_API_KEY: 'key1', KITE_API_SECRET: 'sec1', KITE_USER_ID: 'ab1234', KITE_PASSWORD: 'pw', KITE_TOTP_SECRET: TOTP_A,
  KITE_REDIRECT_URL: 'http://127.0.0.1/cb',
};

async function accountsFile(yaml: string): Promise<string> {
  const path = join(dir, 'accounts.yaml');
  await writeFile(path, yaml, { mode: 0o600 });
  return path;
}

const twoAccounts = `
defaults:
  api_key: appkey
  api_secret: appsecret
  redirect_url: http://127.0.0.1/cb
accounts:
  - user_id: ab1234
    password: pw-a
    totp_secret: ${TOTP_A}
  - user_id: CD5678
    name: Mother
    password: pw-b
    totp_secret: ${TOTP_B}
`;

describe('configuredAccounts without ACCOUNTS_FILE', () => {
  it('gives the one KITE_* account with the environment untouched', async () => {
    const got = await configuredAccounts({ env: single, cwd: dir });
    expect(got.fromFile).toBe(false);
    expect(got.accounts).toEqual([{ label: 'AB1234', userId: 'AB1234', place: undefined, env: single }]);
  });

  it('accepts --account equal to KITE_USER_ID in any case, and refuses another naming --account', async () => {
    expect((await configuredAccounts({ env: single, cwd: dir, account: 'Ab1234' })).accounts).toHaveLength(1);
    const error = await configuredAccounts({ env: single, cwd: dir, account: 'ZZ0001' }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['--account']);
  });

  it('LOGIN_CONCURRENCY defaults to min(4, cpus) and refuses a non-number by name', async () => {
    expect((await configuredAccounts({ env: single, cwd: dir })).loginConcurrency).toBeGreaterThanOrEqual(1);
    expect((await configuredAccounts({ env: { ...single, LOGIN_CONCURRENCY: '3' }, cwd: dir })).loginConcurrency).toBe(3);
    await expect(configuredAccounts({ env: { ...single, LOGIN_CONCURRENCY: 'many' }, cwd: dir })).rejects.toThrow(/LOGIN_CONCURRENCY/);
  });
});

describe('configuredAccounts with ACCOUNTS_FILE', () => {
  it('gives each account its overlay over the environment, labelled by name or user id', async () => {
    const env = { ACCOUNTS_FILE: await accountsFile(twoAccounts), TOKEN_FILE: join(dir, 'data', 'kite-token.json'), LOG_LEVEL: 'warn', KITE_PASSWORD_FILE: '/nowhere' };
    const got = await configuredAccounts({ env, cwd: dir });
    expect(got.fromFile).toBe(true);
    expect(got.accounts.map((a) => [a.label, a.userId, accountTitle(a)])).toEqual([['AB1234', 'AB1234', 'AB1234'], ['Mother', 'CD5678', 'Mother (CD5678)']]);
    const [first, second] = got.accounts;
    expect(first?.env['LOG_LEVEL']).toBe('warn');
    expect(first?.env['KITE_PASSWORD_FILE']).toBe(''); // blank: unset, and it hides a .env's too
    expect(second?.env['TOKEN_FILE']).toBe(join(dir, 'data', 'CD5678.json'));
    // The overlay is a whole single-account configuration.
    const configs = loadEach(got, (a) => loadLoginConfig({ env: a.env, cwd: dir }));
    expect(configs.map((c) => [c.credentials.userId, c.credentials.password, c.tokenFile])).toEqual([
      ['AB1234', 'pw-a', join(dir, 'data', 'AB1234.json')], ['CD5678', 'pw-b', join(dir, 'data', 'CD5678.json')],
    ]);
  });

  it('a KITE_*_FILE left in .env from a single-account setup does not clash with the accounts\' own values', async () => {
    const { writeFile: write } = await import('node:fs/promises');
    await write(join(dir, '.env'), 'KITE_PASSWORD_FILE=/run/secrets/old_password\nKITE_TOTP_SECRET_FILE=/run/secrets/old_totp\n');
    const env = { ACCOUNTS_FILE: await accountsFile(twoAccounts), TOKEN_FILE: join(dir, 'data', 'kite-token.json') };
    const got = await configuredAccounts({ env, cwd: dir });
    const configs = loadEach(got, (a) => loadLoginConfig({ env: a.env, cwd: dir }));
    expect(configs.map((c) => c.credentials.password)).toEqual(['pw-a', 'pw-b']);
  });

  it('--account and JOB_COMPLETION_INDEX pick one account', async () => {
    const env = { ACCOUNTS_FILE: await accountsFile(twoAccounts) };
    expect((await configuredAccounts({ env, cwd: dir, account: 'cd5678' })).accounts.map((a) => a.userId)).toEqual(['CD5678']);
    expect((await configuredAccounts({ env: { ...env, JOB_COMPLETION_INDEX: '0' }, cwd: dir })).accounts.map((a) => a.userId)).toEqual(['AB1234']);
    await expect(configuredAccounts({ env, cwd: dir, account: 'ZZ0001' })).rejects.toThrow(/--account/);
  });

  it('reports every problem of every account at once, each own problem prefixed with its place, shared ones once, no value', async () => {
    const yaml = twoAccounts.replace(TOTP_A, 'not-base32!').replace(TOTP_B, 'also-bad!');
    const env = { ACCOUNTS_FILE: await accountsFile(yaml), CRON_SCHEDULE: 'nonsense' };
    const got = await configuredAccounts({ env, cwd: dir });
    let error: unknown;
    try { loadEach(got, (a) => loadLoginConfig({ env: a.env, cwd: dir })); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((p) => p.variable);
    // Named by the accounts file's own key, as the file's other problems are.
    expect(variables).toEqual(['ACCOUNTS_FILE accounts[0] (AB1234).totp_secret', 'ACCOUNTS_FILE accounts[1] (CD5678).totp_secret']);
    expect((error as ConfigError).message).not.toMatch(/not-base32|also-bad|pw-a|pw-b/);

    const { loadDaemonConfig } = await import('../../src/config/index.js');
    let daemonError: unknown;
    try { loadEach(got, (a) => loadDaemonConfig({ env: a.env, cwd: dir })); } catch (e) { daemonError = e; }
    expect((daemonError as ConfigError).problems.filter((p) => p.variable === 'CRON_SCHEDULE')).toHaveLength(1);
  });

  it('the file\'s own problems and every account\'s configuration problems come out together, in one round', async () => {
    const yaml = twoAccounts.replace(TOTP_A, 'not-base32!').replace('user_id: CD5678', 'user_id: CD5678\n    surname: x');
    const env = { ACCOUNTS_FILE: await accountsFile(yaml), STEP_TIMEOUT_SECONDS: 'abc' };
    let error: unknown;
    try {
      const got = await configuredAccounts({ env, cwd: dir });
      loadEach(got, (a) => loadLoginConfig({ env: a.env, cwd: dir }));
    } catch (e) { error = e; }
    const variables = (error as ConfigError).problems.map((p) => p.variable);
    expect(variables).toContain('ACCOUNTS_FILE accounts[1] (CD5678).surname');
    expect(variables).toContain('ACCOUNTS_FILE accounts[0] (AB1234).totp_secret');
    expect(variables).toContain('STEP_TIMEOUT_SECONDS');
  });

  it('a broken accounts file is a ConfigError naming ACCOUNTS_FILE', async () => {
    const env = { ACCOUNTS_FILE: await accountsFile('accounts: [') };
    await expect(configuredAccounts({ env, cwd: dir })).rejects.toThrow(/ACCOUNTS_FILE/);
  });
});
