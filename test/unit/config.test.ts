import { describe, expect, it } from 'vitest';
import { loadBaseConfig, loadDaemonConfig, loadLoginConfig, loadObserved, loadObserverConfig } from '../../src/config/index.js';
import type { ConfigError } from '../../src/errors/index.js';
import { configProblems as problemsOf, fakeFiles as files, goodEnv as good, TOTP_SECRET as SECRET } from '../support/config-fixtures.js';

describe('login configuration', () => {
  it('reads a complete environment, with the documented defaults', () => {
    const config = loadLoginConfig({ env: good, cwd: '/srv/app', readFile: files({}) });
    expect(config.credentials).toMatchObject({ apiKey: 'abc123', userId: 'AB1234', totpSecret: SECRET });
    expect(config.loginUrl).toBe('https://kite.zerodha.com/connect/login');
    expect(config.apiRoot).toBe('https://api.kite.trade');
    expect(config.tokenFile).toBe('/srv/app/data/kite-token.json');
    expect(config.diagnosticsDir).toBe('/srv/app/data/diagnostics');
    expect(config.logLevel).toBeUndefined(); // info, or warn at a terminal (logLevelFor)
    expect(config.stepTimeoutMs).toBe(30_000);
  });

  it('reports every missing variable at once, by name', () => {
    const problems = problemsOf(() => loadLoginConfig({ env: {}, cwd: '/x', readFile: files({}) }));
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ['KITE_API_KEY', 'KITE_API_SECRET', 'KITE_PASSWORD', 'KITE_REDIRECT_URL', 'KITE_TOTP_SECRET', 'KITE_USER_ID'],
    );
    expect(problems.every((p) => p.message.startsWith('is required'))).toBe(true);
  });

  it('says what is wrong with a TOTP secret without repeating it', () => {
    for (const bad of ['not base32 at all!', 'JBSWY3DP', 'otpauth://hotp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP']) {
      const problems = problemsOf(() => loadLoginConfig({ env: { ...good, KITE_TOTP_SECRET: bad }, cwd: '/x', readFile: files({}) }));
      expect(problems).toHaveLength(1);
      expect(problems[0]?.variable).toBe('KITE_TOTP_SECRET');
      expect(JSON.stringify(problems)).not.toContain(bad);
    }
  });

  it('reports problems of several variables together and never echoes a value', () => {
    const env = { ...good, KITE_PASSWORD: '', KITE_REDIRECT_URL: 'kite-redirect', LOG_LEVEL: 'loud', STEP_TIMEOUT_SECONDS: '-3', KITE_TOTP_SECRET: 'secret!!' };
    const error = (() => { try { loadLoginConfig({ env, cwd: '/x', readFile: files({}) }); } catch (e) { return e as ConfigError; } return undefined; })();
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.exitCode).toBe(2);
    expect(error?.problems.map((p) => p.variable).sort()).toEqual(['KITE_PASSWORD', 'KITE_REDIRECT_URL', 'KITE_TOTP_SECRET', 'LOG_LEVEL', 'STEP_TIMEOUT_SECONDS']);
    expect(error?.message).not.toContain('secret!!');
    expect(error?.message).toMatch(/KITE_REDIRECT_URL: must be an absolute http\(s\) URL/);
  });

  it('accepts an otpauth URI and a spaced, lower-case secret', () => {
    const uri = `otpauth://totp/Kite:AB1234?secret=${SECRET}&issuer=Kite`;
    expect(loadLoginConfig({ env: { ...good, KITE_TOTP_SECRET: uri }, cwd: '/x', readFile: files({}) }).credentials.totpSecret).toBe(SECRET);
    const spaced = SECRET.toLowerCase().replace(/(.{4})/g, '$1 ');
    expect(loadLoginConfig({ env: { ...good, KITE_TOTP_SECRET: spaced }, cwd: '/x', readFile: files({}) }).credentials.totpSecret).toBe(SECRET);
  });

  it('takes secrets from NAME_FILE (Docker secrets), trailing newline dropped', () => {
    const env = { ...good, KITE_PASSWORD: undefined, KITE_PASSWORD_FILE: '/run/secrets/pw' };
    const config = loadLoginConfig({ env, cwd: '/x', readFile: files({ '/run/secrets/pw': 'from-a-file\n' }) });
    expect(config.credentials.password).toBe('from-a-file');
  });

  it('refuses a variable given both directly and as a file, and names an unreadable file', () => {
    const both = problemsOf(() => loadLoginConfig({ env: { ...good, KITE_PASSWORD_FILE: '/run/secrets/pw' }, cwd: '/x', readFile: files({ '/run/secrets/pw': 'x' }) }));
    expect(both).toEqual([{ variable: 'KITE_PASSWORD', message: expect.stringContaining('set both KITE_PASSWORD and KITE_PASSWORD_FILE') }]);
    const missing = problemsOf(() => loadLoginConfig({ env: { ...good, KITE_API_SECRET: undefined, KITE_API_SECRET_FILE: '/nope' }, cwd: '/x', readFile: files({}) }));
    expect(missing.map((p) => p.variable)).toContain('KITE_API_SECRET_FILE');
  });

  it('reads .env from the working directory, and the real environment wins', () => {
    const dotenv = 'KITE_API_KEY=from-dotenv\nKITE_PASSWORD=dotenv-pw\nLOG_LEVEL=debug\n';
    const env = { ...good, KITE_API_KEY: undefined, KITE_PASSWORD: 'env-pw' };
    const config = loadLoginConfig({ env, cwd: '/srv', readFile: files({ '/srv/.env': dotenv }) });
    expect(config.credentials.apiKey).toBe('from-dotenv');
    expect(config.credentials.password).toBe('env-pw');
    expect(config.logLevel).toBe('debug');
  });

  it('commands that do not log in need no credentials', () => {
    const config = loadBaseConfig({ env: { TOKEN_FILE: '/data/t.json', DIAGNOSTICS_DIR: 'diag' }, cwd: '/w', readFile: files({}) });
    expect(config.tokenFile).toBe('/data/t.json');
    expect(config.diagnosticsDir).toBe('/w/diag');
  });
});

describe('timing variables', () => {
  const stepProblems = (value: string) => problemsOf(() => loadBaseConfig({ env: { STEP_TIMEOUT_SECONDS: value }, cwd: '/x', readFile: files({}) }));
  const backoffProblems = (value: string) => problemsOf(() => loadObserverConfig({ env: { RETRY_BACKOFF_SECONDS: value }, cwd: '/x', readFile: files({}) }));

  it('refuses a step timeout outside 1..600 seconds (0.0001 would round to 0 ms: no timeout at all)', () => {
    for (const bad of ['0.0001', '0.5', '0', '601', '1e9']) {
      const problems = stepProblems(bad);
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]?.variable).toBe('STEP_TIMEOUT_SECONDS');
      expect(problems[0]?.message).toMatch(/between 1 and 600 seconds/);
    }
    expect(stepProblems('soon')).toEqual([{ variable: 'STEP_TIMEOUT_SECONDS', message: expect.stringMatching(/number of seconds/) }]);
  });

  it('accepts a step timeout at either bound and in between', () => {
    const at = (value: string) => loadBaseConfig({ env: { STEP_TIMEOUT_SECONDS: value }, cwd: '/x', readFile: files({}) }).stepTimeoutMs;
    expect(at('1')).toBe(1_000);
    expect(at('1.5')).toBe(1_500);
    expect(at('600')).toBe(600_000);
  });

  it('refuses a retry backoff outside 0.1..600 seconds and accepts the bounds', () => {
    for (const bad of ['0.0001', '0.05', '0', '-1', '601']) {
      const problems = backoffProblems(bad);
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]?.variable).toBe('RETRY_BACKOFF_SECONDS');
      expect(problems[0]?.message).toMatch(/between 0\.1 and 600 seconds/);
    }
    const at = (value: string) => loadObserverConfig({ env: { RETRY_BACKOFF_SECONDS: value }, cwd: '/x', readFile: files({}) }).schedule.backoffBaseMs;
    expect(at('0.1')).toBe(100);
    expect(at('0.2')).toBe(200);
    expect(at('600')).toBe(600_000);
  });
});

describe('the password is kept exactly as given', () => {
  const passwordOf = (env: Record<string, string | undefined>, fs: Record<string, string> = {}) =>
    loadLoginConfig({ env: { ...good, ...env }, cwd: '/srv', readFile: files(fs) }).credentials.password;

  it('keeps leading and trailing spaces from the environment', () => {
    expect(passwordOf({ KITE_PASSWORD: '  pass word  ' })).toBe('  pass word  ');
    expect(passwordOf({ KITE_PASSWORD: '\tpw ' })).toBe('\tpw ');
  });

  it('keeps them from a quoted .env value', () => {
    expect(passwordOf({ KITE_PASSWORD: undefined }, { '/srv/.env': "KITE_PASSWORD=' dotenv pw '\n" })).toBe(' dotenv pw ');
  });

  it('keeps them from KITE_PASSWORD_FILE, dropping only the one trailing newline', () => {
    const fromFile = (content: string) => passwordOf({ KITE_PASSWORD: undefined, KITE_PASSWORD_FILE: '/run/secrets/pw' }, { '/run/secrets/pw': content });
    expect(fromFile(' file pw  \n')).toBe(' file pw  ');
    expect(fromFile('file pw \n\n')).toBe('file pw \n');
  });

  it('still calls an empty password missing, and still trims the other variables', () => {
    expect(problemsOf(() => passwordOf({ KITE_PASSWORD: '' }))).toEqual([{ variable: 'KITE_PASSWORD', message: expect.stringMatching(/^is required/) }]);
    const config = loadLoginConfig({ env: { ...good, KITE_API_KEY: '  abc123 ', KITE_USER_ID: ' ab1234\n' }, cwd: '/x', readFile: files({}) });
    expect(config.credentials).toMatchObject({ apiKey: 'abc123', userId: 'AB1234' });
  });
});

describe('notification settings', () => {
  const notifyProblems = (env: Record<string, string | undefined>) => problemsOf(() => loadDaemonConfig({ env: { ...good, ...env }, cwd: '/x', readFile: files({}) }));

  it('reads webhook, Telegram (both parts, root without trailing slashes), heartbeat and NOTIFY_ON_SUCCESS', () => {
    const { notify } = loadDaemonConfig({
      env: { ...good, WEBHOOK_URL: ' https://hooks.example.com/kite ', TELEGRAM_BOT_TOKEN: ' bot ', TELEGRAM_CHAT_ID: '-1001', TELEGRAM_API_ROOT: 'http://127.0.0.1:9//', NOTIFY_ON_SUCCESS: 'yes' },
      cwd: '/x', readFile: files({}),
    });
    expect(notify).toEqual({
      webhookUrl: 'https://hooks.example.com/kite', telegram: { botToken: 'bot', chatId: '-1001', apiRoot: 'http://127.0.0.1:9' }, heartbeatUrl: undefined, onSuccess: true,
    });
    expect(loadDaemonConfig({ env: good, cwd: '/x', readFile: files({}) }).notify).toEqual({ webhookUrl: undefined, telegram: undefined, heartbeatUrl: undefined, onSuccess: false });
  });

  it('reports every problem at once, in the order of the variables, never a value', () => {
    const problems = notifyProblems({ WEBHOOK_URL: 'CANARY-hook', TELEGRAM_CHAT_ID: 'CANARY-chat', TELEGRAM_API_ROOT: 'ftp://CANARY', HEARTBEAT_URL: 'CANARY-beat', NOTIFY_ON_SUCCESS: 'CANARY' });
    expect(problems).toEqual([
      { variable: 'WEBHOOK_URL', message: 'must be an http(s) URL, e.g. https://hooks.example.com/kite' },
      { variable: 'TELEGRAM_API_ROOT', message: 'must be an http(s) URL, e.g. https://api.telegram.org' },
      { variable: 'HEARTBEAT_URL', message: 'must be an http(s) URL, e.g. https://hc-ping.com/your-uuid' },
      { variable: 'NOTIFY_ON_SUCCESS', message: 'must be true or false' },
      { variable: 'TELEGRAM_BOT_TOKEN', message: 'Telegram needs both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID' },
    ]);
    expect(JSON.stringify(problems)).not.toContain('CANARY');
    expect(notifyProblems({ TELEGRAM_BOT_TOKEN: 'b' })).toEqual([{ variable: 'TELEGRAM_CHAT_ID', message: 'Telegram needs both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID' }]);
  });
});

describe('the credentials, checked by hand', () => {
  it('reports each problem in the order of the variables, in the words it always used', () => {
    const problems = problemsOf(() => loadLoginConfig({ env: { KITE_USER_ID: 'ab1234', KITE_PASSWORD: '   ', KITE_TOTP_SECRET: 'JBSWY3DP', KITE_REDIRECT_URL: 'kite-redirect' }, cwd: '/x', readFile: files({}) }));
    expect(problems).toEqual([
      { variable: 'KITE_API_KEY', message: 'is required: the api_key of your Kite Connect app (developers.kite.trade)' },
      { variable: 'KITE_API_SECRET', message: 'is required: the api_secret of your Kite Connect app' },
      { variable: 'KITE_PASSWORD', message: 'is required: your Zerodha password' },
      { variable: 'KITE_TOTP_SECRET', message: expect.stringMatching(/^is too short \(5 bytes/) },
      { variable: 'KITE_REDIRECT_URL', message: 'must be an absolute http(s) URL, e.g. http://127.0.0.1/kite-redirect' },
    ]);
  });
});

describe('status, health and resume read the configuration once', () => {
  it('loadObserved returns the configuration and the raw variables from one read of .env', () => {
    let reads = 0;
    const readFile = (path: string): string => {
      reads += 1;
      if (path === '/srv/.env') return 'KITE_API_KEY=app1\nKITE_USER_ID=ab1234\nTOKEN_FILE=t.json\n';
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    };
    const { config, raw } = loadObserved({ env: { KITE_USER_ID: 'CD5678' }, cwd: '/srv', readFile });
    expect(reads).toBe(1);
    expect(config.tokenFile).toBe('/srv/t.json');
    expect(raw).toMatchObject({ KITE_API_KEY: 'app1', KITE_USER_ID: 'CD5678' });
  });
});
