import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAccountsFile, type AccountSettings, type LoadAccountsOptions } from '../../src/accounts/accounts-file.js';
import { selectAccounts } from '../../src/accounts/select-accounts.js';
import { worstExitCode } from '../../src/accounts/worst-exit-code.js';
import { loadLoginConfig } from '../../src/config/index.js';
import { ConfigError, type ConfigProblem } from '../../src/errors/index.js';

// Distinctive values: none may ever appear in an error.
const TOTP_A = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const TOTP_B = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const PASSWORD_A = 'Pw-ab1234-zebra!';
const PASSWORD_B = 'Pw-cd5678-quokka?';
const API_SECRET = 'apisecret-narwhal-42';

const CONTRACT = `
defaults:                  # optional: what every account inherits
  api_key: abc123
  api_secret_file: /run/secrets/kite_api_secret
  redirect_url: http://127.0.0.1/kite-redirect
accounts:
  - user_id: AB1234
    password_file: /run/secrets/ab1234_password
    totp_secret_file: /run/secrets/ab1234_totp
    token_file: /data/AB1234.json   # optional; default: <folder of TOKEN_FILE>/<USER_ID>.json
  - user_id: CD5678
    name: Mother               # optional label for status and alerts
    password: ${PASSWORD_B}
    totp_secret: ${TOTP_B}
`;

/** A fake file system for tests that need absolute paths like /run/secrets. */
const fakeFiles = (entries: Record<string, string>) => (path: string): string => {
  const content = entries[path];
  if (content === undefined) throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
  return content;
};
const privateFile = (): { mode: number } => ({ mode: 0o100600 });

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'accounts-file-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

/** Writes real files under the temp folder (accounts.yaml at `mode`), returns the load options. */
function onDisk(yaml: string, secrets: Record<string, string> = {}, mode = 0o600): LoadAccountsOptions {
  for (const [name, content] of Object.entries(secrets)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content, { mode: 0o600 });
  }
  const path = join(dir, 'accounts.yaml');
  writeFileSync(path, yaml);
  chmodSync(path, mode);
  return { path, tokenFile: join(dir, 'data', 'kite-token.json'), cwd: dir };
}

function problemsOf(options: LoadAccountsOptions): ConfigProblem[] {
  try {
    loadAccountsFile(options);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const ACCOUNT_A = `  - user_id: AB1234\n    password_file: pw-a\n    totp_secret_file: totp-a\n`;
const SECRETS = { 'pw-a': `${PASSWORD_A}\n`, 'totp-a': `${TOTP_A}\n`, 'api-secret': `${API_SECRET}\n` };
const DEFAULTS = `defaults:\n  api_key: abc123\n  api_secret_file: api-secret\n  redirect_url: http://127.0.0.1/kite-redirect\n`;

describe('loadAccountsFile: a right file', () => {
  it('loads the contract example into the same variables a single-account user sets', () => {
    const accounts = loadAccountsFile({
      path: 'accounts.yaml',
      cwd: '/etc/kite',
      tokenFile: '/data/kite-token.json',
      statFile: privateFile,
      readFile: fakeFiles({
        '/etc/kite/accounts.yaml': CONTRACT,
        '/run/secrets/kite_api_secret': `${API_SECRET}\n`,
        '/run/secrets/ab1234_password': `${PASSWORD_A}\n`,
        '/run/secrets/ab1234_totp': TOTP_A,
      }),
    });
    expect(accounts).toEqual([
      {
        index: 0, userId: 'AB1234', place: 'ACCOUNTS_FILE accounts[0] (AB1234)', reported: [],
        env: {
          KITE_API_KEY: 'abc123', KITE_API_SECRET: API_SECRET, KITE_USER_ID: 'AB1234', KITE_PASSWORD: PASSWORD_A,
          KITE_TOTP_SECRET: TOTP_A, KITE_REDIRECT_URL: 'http://127.0.0.1/kite-redirect', TOKEN_FILE: '/data/AB1234.json',
        },
      },
      {
        index: 1, name: 'Mother', userId: 'CD5678', place: 'ACCOUNTS_FILE accounts[1] (CD5678)', reported: [],
        env: {
          KITE_API_KEY: 'abc123', KITE_API_SECRET: API_SECRET, KITE_USER_ID: 'CD5678', KITE_PASSWORD: PASSWORD_B,
          KITE_TOTP_SECRET: TOTP_B, KITE_REDIRECT_URL: 'http://127.0.0.1/kite-redirect', TOKEN_FILE: '/data/CD5678.json',
        },
      },
    ]);
    // The overlay passes the single-account validation unchanged.
    for (const account of accounts) {
      const config = loadLoginConfig({ env: account.env, cwd: '/', readFile: fakeFiles({}) });
      expect(config.credentials.userId).toBe(account.userId);
      expect(config.tokenFile).toBe(account.env.TOKEN_FILE);
    }
  });

  it('lets an account override what it inherits from defaults', () => {
    const accounts = loadAccountsFile(onDisk(`${DEFAULTS}accounts:
${ACCOUNT_A}  - user_id: cd5678
    api_key: other-app
    api_secret: "${API_SECRET}-2"
    redirect_url: https://example.com/kite
    password: " ${PASSWORD_B} "
    totp_secret_file: totp-a
`, SECRETS));
    expect(accounts.map((a) => [a.env.KITE_API_KEY, a.env.KITE_API_SECRET, a.env.KITE_REDIRECT_URL])).toEqual([
      ['abc123', API_SECRET, 'http://127.0.0.1/kite-redirect'],
      ['other-app', `${API_SECRET}-2`, 'https://example.com/kite'],
    ]);
    // user ids upper case as the single-account config makes them; a password exactly as given.
    expect(accounts[1]?.userId).toBe('CD5678');
    expect(accounts[1]?.env.KITE_PASSWORD).toBe(` ${PASSWORD_B} `);
    expect(accounts[1]).not.toHaveProperty('name');
  });

  it('puts each token file beside TOKEN_FILE by default; a relative token_file is beside the accounts file', () => {
    const options = onDisk(`${DEFAULTS}accounts:
${ACCOUNT_A}  - user_id: CD5678
    password_file: pw-a
    totp_secret_file: totp-a
    token_file: tokens/cd.json
`, SECRETS);
    const accounts = loadAccountsFile({ ...options, tokenFile: 'var/kite-token.json' });
    expect(accounts.map((a) => a.env.TOKEN_FILE)).toEqual([join(dir, 'var', 'AB1234.json'), join(dir, 'tokens', 'cd.json')]);
  });

  it('drops one trailing newline of a *_file, as NAME_FILE does, and keeps the rest', () => {
    const accounts = loadAccountsFile(onDisk(`${DEFAULTS}accounts:\n${ACCOUNT_A}`, { ...SECRETS, 'pw-a': `${PASSWORD_A}  \r\n` }));
    expect(accounts[0]?.env.KITE_PASSWORD).toBe(`${PASSWORD_A}  `);
    expect(accounts[0]?.env.KITE_TOTP_SECRET).toBe(TOTP_A);
  });

  it('follows YAML anchors and merge keys', () => {
    const merged = loadAccountsFile(onDisk(`${DEFAULTS}accounts:
  - &first
    user_id: AB1234
    password_file: pw-a
    totp_secret_file: totp-a
  - <<: *first
    user_id: CD5678
`, SECRETS));
    expect(merged.map((a) => [a.userId, a.env.KITE_PASSWORD])).toEqual([['AB1234', PASSWORD_A], ['CD5678', PASSWORD_A]]);
  });
});

describe('loadAccountsFile: problems', () => {
  it('lists five different mistakes as five problems in one error', () => {
    const options = onDisk(`${DEFAULTS}accounts:
  - user_id: AB1234
    password_file: pw-a
    totp_secret_file: totp-a
    nmae: Father
  - user_id: CD5678
    password: ${PASSWORD_B}
    password_file: pw-a
    totp_secret_file: missing-file
  - password_file: pw-a
    totp_secret_file: totp-a
    redirect_url: not-a-url
`, SECRETS);
    expect(problemsOf(options)).toEqual([
      { variable: 'ACCOUNTS_FILE accounts[0] (AB1234).nmae', message: 'is not a key here; did you mean name?' },
      { variable: 'ACCOUNTS_FILE accounts[1] (CD5678).password', message: 'is given both as password and as password_file; keep one' },
      { variable: 'ACCOUNTS_FILE accounts[1] (CD5678).totp_secret_file', message: 'cannot read the file it names (ENOENT)' },
      { variable: 'ACCOUNTS_FILE accounts[2].user_id', message: expect.stringMatching(/^is required: the Zerodha user id/) },
      { variable: 'ACCOUNTS_FILE accounts[2].redirect_url', message: 'must be an absolute http(s) URL, e.g. http://127.0.0.1/kite-redirect' },
    ]);
  });

  it('never puts a secret, or a value that may be one, in an error', () => {
    const options = onDisk(`defaults:
  api_key: abc123
  api_secret: ${API_SECRET}
  totp_secret: ${TOTP_B}
  redirect_url_file: pw-b
accounts:
  - user_id: ${PASSWORD_B}
    password: ${PASSWORD_A}
    totp_secret: ${TOTP_A}
    ${PASSWORD_B}x: 1
  - user_id: CD5678
    password: 9876543210
    totp_secret_file: totp-a
    name: "${PASSWORD_A} ${PASSWORD_A} ${PASSWORD_A}"
`, { ...SECRETS, 'pw-b': PASSWORD_B }, 0o644);
    let caught: unknown;
    try { loadAccountsFile(options); } catch (error) { caught = error; }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    const text = `${error.message}\n${JSON.stringify(error.toJSON())}\n${String(error.stack)}`;
    expect(error.problems.length).toBeGreaterThanOrEqual(8);
    for (const secret of [TOTP_A, TOTP_B, PASSWORD_A, PASSWORD_B, API_SECRET, '9876543210']) expect(text).not.toContain(secret);
    expect(text).toContain('ACCOUNTS_FILE accounts[1] (CD5678).password: must be text'); // the number, named but not shown
    expect(text).toContain('ACCOUNTS_FILE accounts[0].user_id: must be a Zerodha user id'); // a bad user id is not shown either
  });

  it('refuses secrets written in a file group or others may read, and accepts *_file there', () => {
    const plain = `${DEFAULTS}accounts:\n  - user_id: AB1234\n    password: ${PASSWORD_A}\n    totp_secret_file: totp-a\n`;
    const problems = problemsOf(onDisk(plain, SECRETS, 0o640));
    expect(problems).toEqual([{
      variable: 'ACCOUNTS_FILE accounts[0] (AB1234).password',
      message: expect.stringMatching(/group or others may read; run chmod 600 .* use password_file$/),
    }]);
    // The same file, private: accepted.
    expect(loadAccountsFile(onDisk(plain, SECRETS, 0o600))[0]?.env.KITE_PASSWORD).toBe(PASSWORD_A);
    // Only *_file (and non-secret values) in a world-readable file: accepted.
    expect(loadAccountsFile(onDisk(`${DEFAULTS}accounts:\n${ACCOUNT_A}`, SECRETS, 0o644))).toHaveLength(1);
    // A plain api_secret in defaults is refused too, once, where it is written.
    const inDefaults = `defaults:\n  api_key: abc123\n  api_secret: ${API_SECRET}\n  redirect_url: http://127.0.0.1/kite-redirect\naccounts:\n${ACCOUNT_A}  - user_id: CD5678\n    password_file: pw-a\n    totp_secret_file: totp-a\n`;
    expect(problemsOf(onDisk(inDefaults, SECRETS, 0o604)).map((p) => p.variable)).toEqual(['ACCOUNTS_FILE defaults.api_secret']);
    // Where modes mean nothing (Windows), not checked.
    expect(loadAccountsFile({ ...onDisk(plain, SECRETS, 0o644), checkMode: false })).toHaveLength(1);
  });

  it('refuses the same user id twice (any case), on one api_key or on two: Kite counts wrong attempts per user', () => {
    const twice = `${DEFAULTS}accounts:\n${ACCOUNT_A}  - user_id: ab1234\n    password_file: pw-a\n    totp_secret_file: totp-a\n`;
    expect(problemsOf(onDisk(twice, SECRETS))).toEqual([{
      variable: 'ACCOUNTS_FILE accounts[1] (AB1234).user_id',
      message: 'is the same user id on the same api_key as accounts[0]; list each account once',
    }]);
    // Found even when one of the two has another problem: every problem at once.
    const alsoBroken = twice.replace('  - user_id: AB1234\n', '  - user_id: AB1234\n    name: [x]\n');
    expect(problemsOf(onDisk(alsoBroken, SECRETS)).map((p) => p.variable)).toEqual([
      'ACCOUNTS_FILE accounts[0] (AB1234).name', 'ACCOUNTS_FILE accounts[1] (AB1234).user_id',
    ]);
    // Two apps, two token files: still one user, whose five wrong attempts one ledger must count.
    const twoApps = `${twice}    api_key: second-app\n    token_file: second-app/AB1234.json\n`;
    expect(problemsOf(onDisk(twoApps, SECRETS))).toEqual([{
      variable: 'ACCOUNTS_FILE accounts[1] (AB1234).user_id',
      message: 'is the same user id as accounts[0] (on another api_key): Kite counts wrong attempts per user, so each user is listed once, with one app',
    }]);
  });

  it('refuses two accounts writing one token file', () => {
    const yaml = `${DEFAULTS}accounts:\n${ACCOUNT_A}    token_file: t.json\n  - user_id: CD5678\n    password_file: pw-a\n    totp_secret_file: totp-a\n    token_file: ./sub/../t.json\n`;
    expect(problemsOf(onDisk(yaml, SECRETS)).map((p) => p.variable)).toEqual(['ACCOUNTS_FILE accounts[1] (CD5678).token_file']);
  });

  it('refuses a key given both in place and as a file, in an account and in defaults', () => {
    const yaml = `defaults:\n  api_key: abc123\n  api_key_file: pw-a\n  api_secret_file: api-secret\n  redirect_url: http://127.0.0.1/kite-redirect\naccounts:
  - user_id: AB1234\n    user_id_file: pw-a\n    password_file: pw-a\n    totp_secret_file: totp-a\n`;
    expect(problemsOf(onDisk(yaml, SECRETS))).toEqual([
      { variable: 'ACCOUNTS_FILE defaults.api_key', message: 'is given both as api_key and as api_key_file; keep one' },
      { variable: 'ACCOUNTS_FILE accounts[0].user_id', message: 'is given both as user_id and as user_id_file; keep one' },
    ]);
  });

  it('gives the line and column of a YAML syntax error, not the text around it', () => {
    const yaml = `accounts:\n  - user_id: AB1234\n    password: "${PASSWORD_A}\n    totp_secret: ${TOTP_A}\n`;
    const problems = problemsOf(onDisk(yaml, SECRETS));
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems[0]).toEqual({ variable: 'ACCOUNTS_FILE', message: expect.stringMatching(/^is not valid YAML: .* at line \d+, column \d+$/) });
    expect(JSON.stringify(problems)).not.toContain(PASSWORD_A);
    expect(JSON.stringify(problems)).not.toContain(TOTP_A);

    const badIndent = problemsOf(onDisk('accounts:\n  - user_id: AB1234\n   password: x\n'));
    expect(badIndent.map((p) => p.message)).toContainEqual(expect.stringMatching(/at line 3, column \d+$/));
    const duplicate = problemsOf(onDisk('accounts:\n  - user_id: AB1234\n    user_id: CD5678\n'));
    expect(duplicate).toEqual([{ variable: 'ACCOUNTS_FILE', message: 'is not valid YAML: a key given twice in one mapping at line 3, column 5' }]);
  });

  it('says what is wrong with the file itself and with its shape', () => {
    const at = (message: RegExp, variable = 'ACCOUNTS_FILE') => [{ variable, message: expect.stringMatching(message) }];
    expect(problemsOf({ path: join(dir, 'nope.yaml'), tokenFile: '/data/t.json' })).toEqual(at(/^names a file that does not exist$/));
    expect(problemsOf({ path: dir, tokenFile: '/data/t.json' })).toEqual(at(/^cannot read the file it names \(EISDIR\)$/));
    const denied = () => { throw Object.assign(new Error('denied'), { code: 'EACCES' }); };
    expect(problemsOf({ path: 'a.yaml', tokenFile: '/t.json', readFile: denied })).toEqual(at(/\(EACCES\)$/));
    expect(problemsOf({ path: ' ', tokenFile: '/t.json' })).toEqual(at(/^is empty/));
    expect(problemsOf(onDisk(''))).toEqual(at(/^is empty; it needs an `accounts:` list/));
    expect(problemsOf(onDisk('- user_id: AB1234\n'))).toEqual(at(/^must be a mapping with `accounts:`/));
    expect(problemsOf(onDisk(DEFAULTS, SECRETS))).toEqual(at(/^is required: a list of accounts/, 'ACCOUNTS_FILE accounts'));
    expect(problemsOf(onDisk('accounts: []\n'))).toEqual(at(/^lists no account/, 'ACCOUNTS_FILE accounts'));
    expect(problemsOf(onDisk('accounts:\n  user_id: AB1234\n'))).toEqual(at(/^must be a list/, 'ACCOUNTS_FILE accounts'));
    expect(problemsOf(onDisk('defaults: abc\naccounts:\n  - AB1234\n'))).toEqual([
      { variable: 'ACCOUNTS_FILE defaults', message: expect.stringMatching(/^must be a mapping/) },
      { variable: 'ACCOUNTS_FILE accounts[0]', message: expect.stringMatching(/^must be a mapping/) },
    ]);
  });

  it('names unknown keys with the likely right spelling, and keys that do not belong in defaults', () => {
    const yaml = `account: []\ndefaults:\n  api_key: abc123\n  api_secret_file: api-secret\n  redirect_uri: http://127.0.0.1/kite-redirect
  user_id: AB1234\n  totp_secret_file: totp-a\naccounts:\n  - userId: AB1234\n    client_id: AB1234\n    pasword_file: pw-a\n    secret: x\n    colour: red\n`;
    expect(problemsOf(onDisk(yaml, SECRETS)).map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'ACCOUNTS_FILE account: is not a key here; did you mean accounts?',
      'ACCOUNTS_FILE defaults.user_id: tells one account from another, so it belongs in each account, not in defaults',
      'ACCOUNTS_FILE defaults.totp_secret_file: cannot be shared: every Kite account has its own TOTP secret; set it in each account',
      'ACCOUNTS_FILE defaults.redirect_uri: is not a key here; did you mean redirect_url?',
      'ACCOUNTS_FILE accounts[0].userId: is not a key here; did you mean user_id?',
      'ACCOUNTS_FILE accounts[0].client_id: is not a key here; did you mean user_id?',
      'ACCOUNTS_FILE accounts[0].pasword_file: is not a key here; did you mean password_file?',
      'ACCOUNTS_FILE accounts[0].secret: is not a key here; did you mean api_secret or totp_secret?',
      expect.stringMatching(/^ACCOUNTS_FILE accounts\[0\]\.colour: is not a key here; the keys here are api_key, api_key_file, .*token_file, name$/),
      expect.stringMatching(/^ACCOUNTS_FILE accounts\[0\]\.user_id: is required/),
      expect.stringMatching(/^ACCOUNTS_FILE accounts\[0\]\.password: is required: .* in this account or in defaults/),
      expect.stringMatching(/^ACCOUNTS_FILE accounts\[0\]\.totp_secret: is required/),
      expect.stringMatching(/^ACCOUNTS_FILE accounts\[0\]\.redirect_url: is required/),
    ]);
  });

  it('wants text: numbers and true/false must be quoted, and nothing may be empty', () => {
    const yaml = `${DEFAULTS}accounts:\n  - user_id: AB1234\n    password: 123456\n    totp_secret_file: totp-a\n    name: true
  - user_id: CD5678\n    password: ''\n    totp_secret_file: empty\n    token_file:\n    name: [a, b]\n`;
    expect(problemsOf(onDisk(yaml, { ...SECRETS, empty: '\n' })).map((p) => `${p.variable}: ${p.message}`)).toEqual([
      expect.stringMatching(/^ACCOUNTS_FILE accounts\[0\] \(AB1234\)\.password: must be text, but YAML reads it as a number .*put the value in quotes$/),
      expect.stringMatching(/^ACCOUNTS_FILE accounts\[0\] \(AB1234\)\.name: must be text, but YAML reads it as a true\/false/),
      'ACCOUNTS_FILE accounts[1] (CD5678).password: is empty',
      'ACCOUNTS_FILE accounts[1] (CD5678).totp_secret_file: names an empty file',
      'ACCOUNTS_FILE accounts[1] (CD5678).name: must be a single value, not a list',
      'ACCOUNTS_FILE accounts[1] (CD5678).token_file: has no value',
    ]);
    const quoted = `${DEFAULTS}accounts:\n  - user_id: AB1234\n    password: "123456"\n    totp_secret_file: totp-a\n`;
    expect(loadAccountsFile(onDisk(quoted, SECRETS))[0]?.env.KITE_PASSWORD).toBe('123456');
  });

  it('wants a name to be a short label on one line', () => {
    const long = `${DEFAULTS}accounts:\n${ACCOUNT_A}    name: "${'x'.repeat(41)}"\n`;
    expect(problemsOf(onDisk(long, SECRETS)).map((p) => p.variable)).toEqual(['ACCOUNTS_FILE accounts[0] (AB1234).name']);
    expect(problemsOf(onDisk(`${DEFAULTS}accounts:\n${ACCOUNT_A}    name: "two\\nlines"\n`, SECRETS))).toHaveLength(1);
    expect(loadAccountsFile(onDisk(`${DEFAULTS}accounts:\n${ACCOUNT_A}    name: "  ${'x'.repeat(40)} "\n`, SECRETS))[0]?.name).toBe('x'.repeat(40));
  });
});

describe('selectAccounts', () => {
  const accounts: AccountSettings[] = ['AB1234', 'CD5678', 'EF9012'].map((userId, index) => ({
    index, userId, place: `ACCOUNTS_FILE accounts[${index}] (${userId})`,
    env: { KITE_API_KEY: 'k', KITE_API_SECRET: 's', KITE_USER_ID: userId, KITE_PASSWORD: 'p', KITE_TOTP_SECRET: 't', KITE_REDIRECT_URL: 'u', TOKEN_FILE: `/d/${userId}.json` },
    reported: [],
  }));
  const ids = (list: readonly AccountSettings[]) => list.map((a) => a.userId);
  const refusal = (fn: () => unknown): ConfigProblem[] => {
    try { fn(); } catch (error) { if (error instanceof ConfigError) return [...error.problems]; throw error; }
    throw new Error('expected a ConfigError');
  };

  it('takes every account when nothing is chosen (blank counts as unset)', () => {
    expect(ids(selectAccounts(accounts))).toEqual(['AB1234', 'CD5678', 'EF9012']);
    expect(ids(selectAccounts(accounts, { account: ' ', completionIndex: '' }))).toEqual(['AB1234', 'CD5678', 'EF9012']);
  });

  it('picks one account by --account, in any case, before JOB_COMPLETION_INDEX', () => {
    expect(ids(selectAccounts(accounts, { account: 'cd5678' }))).toEqual(['CD5678']);
    expect(ids(selectAccounts(accounts, { account: 'EF9012', completionIndex: '0' }))).toEqual(['EF9012']);
  });

  it('names --account and the configured ids when the id is unknown', () => {
    expect(refusal(() => selectAccounts(accounts, { account: 'ZZ0000' }))).toEqual([
      { variable: '--account', message: 'names no account in ACCOUNTS_FILE; its user ids are AB1234, CD5678, EF9012' },
    ]);
  });

  it('picks accounts[JOB_COMPLETION_INDEX], and names the count when the index is wrong', () => {
    expect(ids(selectAccounts(accounts, { completionIndex: '0' }))).toEqual(['AB1234']);
    expect(ids(selectAccounts(accounts, { completionIndex: '2' }))).toEqual(['EF9012']);
    expect(refusal(() => selectAccounts(accounts, { completionIndex: '3' }))).toEqual([{
      variable: 'JOB_COMPLETION_INDEX',
      message: "is beyond the 3 account(s) ACCOUNTS_FILE lists (it must be from 0 to 2); set the Indexed Job's completions to 3",
    }]);
    for (const bad of ['-1', '1.5', 'one', '1e1']) {
      expect(refusal(() => selectAccounts(accounts, { completionIndex: bad }))).toEqual([{
        variable: 'JOB_COMPLETION_INDEX', message: 'must be a whole number from 0 to 2: ACCOUNTS_FILE lists 3 account(s)',
      }]);
    }
  });
});

describe('worstExitCode', () => {
  it('is 0 only when every account is fine', () => {
    expect(worstExitCode([])).toBe(0);
    expect(worstExitCode([0, 0, 0])).toBe(0);
    expect(worstExitCode([0, 1, 0])).toBe(1);
  });

  it('ranks 3, then 2, 4, 1, whatever the order of the accounts', () => {
    const cases: [number[], number][] = [[[1, 4, 2, 3], 3], [[1, 4, 2], 2], [[1, 4], 4], [[1, 0], 1]];
    for (const [codes, worst] of cases) {
      expect(worstExitCode(codes)).toBe(worst);
      expect(worstExitCode([...codes].reverse())).toBe(worst);
    }
  });

  it('puts unexpected codes after 1 and an interruption (130) last', () => {
    expect(worstExitCode([5, 1])).toBe(1);
    expect(worstExitCode([130, 5])).toBe(5);
    expect(worstExitCode([130, 1, 0])).toBe(1);
    expect(worstExitCode([3, 130])).toBe(3);
    expect(worstExitCode([0, 130])).toBe(130);
  });
});
