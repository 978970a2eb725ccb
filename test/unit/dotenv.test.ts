import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLoginConfig, readConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

const good = {
  KITE_API_KEY: 'abc123', KITE_API_SECRET: 'shh-api-secret', KITE_USER_ID: 'ab1234', KITE_PASSWORD: 'hunter2!',
  KITE_TOTP_SECRET: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', KITE_REDIRECT_URL: 'http://127.0.0.1/kite-redirect',
};

/** `.env` in /srv holds `dotenv`; the environment holds `good` minus what `.env` should supply. */
const withDotenv = (dotenv: string, env: Record<string, string | undefined> = {}) => ({
  env: { ...good, ...env },
  cwd: '/srv',
  readFile: (path: string): string => {
    if (path === '/srv/.env') return dotenv;
    throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  },
});

describe('an unquoted # in .env', () => {
  it('is refused where it would cut the value, naming the variable and never the value', () => {
    const dotenv = [
      'KITE_PASSWORD=Swordfish#Tail',
      'WEBHOOK_URL=https://hooks.example/kite#Fragment',
      'KITE_API_SECRET=Apisecret #Apitail',
      'KITE_TOTP_SECRET=#Startswithhash',
      'export TELEGRAM_CHAT_ID=Chatid#Chattail',
      '',
    ].join('\n');
    const error = (() => {
      try {
        loadLoginConfig(withDotenv(dotenv, { KITE_PASSWORD: undefined, WEBHOOK_URL: undefined, KITE_API_SECRET: undefined, KITE_TOTP_SECRET: undefined }));
      } catch (e) { return e as ConfigError; }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const cut = error?.problems.filter((p) => p.message.includes('unquoted #')) ?? [];
    expect(cut.map((p) => p.variable).sort()).toEqual(['KITE_API_SECRET', 'KITE_PASSWORD', 'KITE_TOTP_SECRET', 'TELEGRAM_CHAT_ID', 'WEBHOOK_URL']);
    for (const p of cut) expect(p.message).toMatch(/reads as (the start of )?a comment.*single quotes/);
    for (const part of ['Swordfish', 'Tail', 'hooks.example', 'Fragment', 'Apisecret', 'Apitail', 'Startswithhash', 'Chatid', 'Chattail']) {
      expect(error?.message).not.toContain(part);
    }
  });

  it('is refused also with the YAML-style `NAME: value` and with Windows line ends', () => {
    const { problems } = readConfig(withDotenv('KITE_PASSWORD: pass#word\r\nLOG_LEVEL=debug#x\r\n', { KITE_PASSWORD: undefined }));
    expect(problems.map((p) => p.variable).sort()).toEqual(['KITE_PASSWORD', 'LOG_LEVEL']);
  });

  it('accepts a # inside quotes, unchanged, with or without a comment after the quotes', () => {
    const dotenv = "KITE_PASSWORD='pass#word'\nKITE_API_SECRET=\"sec#ret\" # the app's secret\nKITE_API_KEY=`key#1`\n";
    const config = loadLoginConfig(withDotenv(dotenv, { KITE_PASSWORD: undefined, KITE_API_SECRET: undefined, KITE_API_KEY: undefined }));
    expect(config.credentials).toMatchObject({ password: 'pass#word', apiSecret: 'sec#ret', apiKey: 'key#1' });
  });

  it('leaves comment lines alone, also right after an empty value', () => {
    const dotenv = '# a comment\nKITE_API_KEY=\n# another = comment #\n  # indented\nLOG_LEVEL=debug\n';
    expect(readConfig(withDotenv(dotenv)).problems).toEqual([]);
    const example = readFileSync(resolve('.env.example'), 'utf8');
    expect(readConfig(withDotenv(example)).problems).toEqual([]);
  });

  it('is not reported for a variable the real environment overrides', () => {
    const { problems, raw } = readConfig(withDotenv('KITE_PASSWORD=pass#word\n', { KITE_PASSWORD: 'pass#word' }));
    expect(problems).toEqual([]);
    expect(raw['KITE_PASSWORD']).toBe('pass#word');
  });
});

describe('.env.example', () => {
  it('names what a newcomer looks for: several accounts, Redis, PostgreSQL', () => {
    const example = readFileSync(resolve('.env.example'), 'utf8');
    for (const name of ['ACCOUNTS_FILE', 'LOGIN_CONCURRENCY', 'REDIS_URL', 'DATABASE_URL']) expect(example).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });
});
