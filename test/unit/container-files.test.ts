import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const bin = (name: string): string => resolve('node_modules/.bin', name);
const lint = (file: string) => ({
  dockerfilelint: spawnSync(bin('dockerfilelint'), [file], { encoding: 'utf8' }),
  dockerfileUtils: spawnSync(bin('dockerfile-utils'), ['lint', file], { encoding: 'utf8' }),
});

describe('Dockerfile', () => {
  it('passes dockerfilelint and dockerfile-utils', () => {
    const { dockerfilelint, dockerfileUtils } = lint(resolve('Dockerfile'));
    expect(dockerfilelint.status, dockerfilelint.stdout).toBe(0);
    expect(dockerfilelint.stdout).toMatch(/Issues: None found/);
    expect(dockerfileUtils.status).toBe(0);
    expect(dockerfileUtils.stdout.trim(), dockerfileUtils.stdout).toBe('');
  });

  it('the linters do catch a bad Dockerfile (the check above can fail)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kal-lint-')), 'Dockerfile');
    writeFileSync(file, 'FROM node:20\nMAINTAINER someone\nRUN apt-get update\nRUN apt-get install -y chromium\nEXPOSE 99999\n');
    const { dockerfilelint, dockerfileUtils } = lint(file);
    expect(dockerfilelint.status).not.toBe(0);
    expect(dockerfileUtils.stdout).toMatch(/MAINTAINER has been deprecated/);
  });
});

type ComposeService = Record<string, unknown>;
interface Compose { services: Record<string, ComposeService>; secrets?: Record<string, { file?: string }>; volumes?: Record<string, unknown> }

const composeText = readFileSync(resolve('compose.yaml'), 'utf8');
const parseCompose = (text: string): Compose => parseYaml(text) as Compose;
/** compose.yaml as it would be with its lines marked `# [postgres]` uncommented: the database home. */
const withPostgres = (text: string): string =>
  text.split('\n').map((line) => (/#\s*\[postgres\]\s*$/.test(line) ? line.replace(/^(\s*)# ?/, '$1') : line)).join('\n');

/** `environment` as a mapping, whichever form compose.yaml uses. */
function envOf(service: ComposeService | undefined): Record<string, unknown> {
  const env = service?.['environment'];
  if (Array.isArray(env)) {
    return Object.fromEntries((env as unknown[]).map((e): [string, string] => {
      const [name = '', value = ''] = String(e).split(/=(.*)/s, 2);
      return [name, value];
    }));
  }
  return (env ?? {}) as Record<string, unknown>;
}
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A restart policy that gives up: a configuration error (exit 2) must not restart without end. */
function restartProblems(service: ComposeService | undefined): string[] {
  const policy = (service?.['deploy'] as { restart_policy?: { condition?: unknown; max_attempts?: unknown } } | undefined)?.restart_policy;
  if (policy) {
    const bounded = policy.condition === 'on-failure' && Number.isInteger(policy.max_attempts) && Number(policy.max_attempts) > 0;
    return bounded ? [] : ['deploy.restart_policy must be condition on-failure with max_attempts above 0'];
  }
  return /^on-failure:[1-9]\d*$/.test(String(service?.['restart'])) ? [] : [`restart: ${String(service?.['restart'])} is not bounded: on-failure:N`];
}

/** The optional database: behind a profile, its password from a secret file, no port on the host, a health check. */
function postgresProblems(compose: Compose): string[] {
  const db = compose.services['postgres'];
  if (!db) return ['no service postgres'];
  const problems: string[] = [];
  if (!listOf(db['profiles']).includes('postgres')) problems.push('postgres must be behind the profile postgres');
  if (!/^postgres:\d+/.test(String(db['image']))) problems.push('postgres: image postgres:<major>');
  const env = envOf(db);
  if ('POSTGRES_PASSWORD' in env) problems.push('postgres: POSTGRES_PASSWORD in the environment: use POSTGRES_PASSWORD_FILE');
  const secret = /^\/run\/secrets\/([\w.-]+)$/.exec(String(env['POSTGRES_PASSWORD_FILE']))?.[1];
  if (!secret) problems.push('postgres: POSTGRES_PASSWORD_FILE must be /run/secrets/<a Docker secret>');
  else if (!listOf(db['secrets']).includes(secret) || !compose.secrets?.[secret]?.file) problems.push(`postgres: the secret ${secret} must be given to the service, from a file`);
  if (db['ports'] !== undefined) problems.push('postgres: no port published on the host');
  if (!listOf((db['healthcheck'] as { test?: unknown } | undefined)?.test).includes('pg_isready')) problems.push('postgres: a healthcheck with pg_isready');
  const data = listOf(db['volumes']).map(String).find((v) => v.endsWith(':/var/lib/postgresql/data'));
  const volume = data?.split(':')[0] ?? '';
  if (!data || !(volume in (compose.volumes ?? {}))) problems.push('postgres: /var/lib/postgresql/data on a named volume');
  return problems;
}

/** The app's link to the database: none by default (files only); with the marked lines, DATABASE_URL_FILE from a secret and a healthy postgres. */
function appDatabaseProblems(compose: Compose, home: 'files' | 'postgres'): string[] {
  const app = compose.services['kite-autologin'];
  const env = envOf(app);
  const dependsOn = (app?.['depends_on'] ?? {}) as Record<string, { condition?: string } | undefined>;
  const problems: string[] = [];
  if ('DATABASE_URL' in env) problems.push('kite-autologin: DATABASE_URL in the environment: use DATABASE_URL_FILE');
  if (home === 'files') {
    if ('DATABASE_URL_FILE' in env) problems.push('kite-autologin: DATABASE_URL_FILE set by default: the default is the files home');
    if ('postgres' in dependsOn || listOf(app?.['depends_on']).includes('postgres')) problems.push('kite-autologin: depends on postgres by default');
    return problems;
  }
  const secret = /^\/run\/secrets\/([\w.-]+)$/.exec(String(env['DATABASE_URL_FILE']))?.[1];
  if (!secret) problems.push('kite-autologin: DATABASE_URL_FILE must be /run/secrets/<a Docker secret>');
  else if (!listOf(app?.['secrets']).includes(secret) || !compose.secrets?.[secret]?.file) problems.push(`kite-autologin: the secret ${secret} must be given to the service, from a file`);
  if (dependsOn['postgres']?.condition !== 'service_healthy') problems.push('kite-autologin: depends_on postgres, condition service_healthy');
  return problems;
}

describe('compose.yaml', () => {
  const compose = parseCompose(composeText);
  const service = compose.services['kite-autologin'] as Record<string, unknown>;

  it('restarts a bounded number of times, keeps /data on a volume, rotates its logs, checks its health, runs read-only', () => {
    expect(restartProblems(service)).toEqual([]);
    expect(service['volumes']).toContain('kite-data:/data');
    expect(compose.volumes).toHaveProperty('kite-data');
    expect(service['logging']).toMatchObject({ driver: 'json-file', options: { 'max-size': expect.any(String), 'max-file': expect.any(String) } });
    expect((service['healthcheck'] as { test: string[] }).test).toEqual(['CMD', 'node', '/app/dist/cli.js', 'health']);
    expect(service['read_only']).toBe(true);
    expect(service['cap_drop']).toEqual(['ALL']);
  });

  it('takes every credential from a Docker secret file, none from the environment', () => {
    const env = service['environment'] as Record<string, string>;
    for (const name of ['KITE_API_KEY', 'KITE_API_SECRET', 'KITE_USER_ID', 'KITE_PASSWORD', 'KITE_TOTP_SECRET']) {
      expect(env[name]).toBeUndefined();
      const secret = name.toLowerCase();
      expect(env[`${name}_FILE`]).toBe(`/run/secrets/${secret}`);
      expect(service['secrets']).toContain(secret);
      expect(compose.secrets?.[secret]?.file).toBe(`./secrets/${secret}`);
    }
  });

  it('has an optional PostgreSQL: behind a profile, its password from a secret file, no port on the host, pg_isready, locked down', () => {
    expect(postgresProblems(compose)).toEqual([]);
    const db = compose.services['postgres'] ?? {};
    expect(db['read_only']).toBe(true);
    expect(db['cap_drop']).toEqual(['ALL']);
    expect(db['logging']).toMatchObject({ driver: 'json-file' });
  });

  it('the app uses files by default, and the database through DATABASE_URL_FILE once the lines marked [postgres] are uncommented', () => {
    expect(appDatabaseProblems(compose, 'files')).toEqual([]);
    const enabled = parseCompose(withPostgres(composeText));
    expect(withPostgres(composeText)).not.toBe(composeText);
    expect(appDatabaseProblems(enabled, 'postgres')).toEqual([]);
    // Uncommenting changes nothing else: the same services, the same postgres service.
    expect(Object.keys(enabled.services)).toEqual(Object.keys(compose.services));
    expect(enabled.services['postgres']).toEqual(compose.services['postgres']);
    expect(restartProblems(enabled.services['kite-autologin'])).toEqual([]);
  });

  // Each rule broken on purpose in a copy: the checks above can fail.
  const changed = (change: (c: Compose) => void): Compose => {
    const copy = structuredClone(parseCompose(composeText));
    change(copy);
    return copy;
  };
  const app = (c: Compose): ComposeService => c.services['kite-autologin'] ?? {};
  const db = (c: Compose): ComposeService => c.services['postgres'] ?? {};
  it.each<[string, () => string[], RegExp]>([
    ['restart: unless-stopped', () => restartProblems(changed((c) => { app(c)['restart'] = 'unless-stopped'; }).services['kite-autologin']), /not bounded/],
    ['restart: on-failure without a count', () => restartProblems(changed((c) => { app(c)['restart'] = 'on-failure'; }).services['kite-autologin']), /not bounded/],
    ['deploy.restart_policy without max_attempts', () =>
      restartProblems(changed((c) => { app(c)['deploy'] = { restart_policy: { condition: 'any' } }; }).services['kite-autologin']), /max_attempts/],
    ['postgres without a profile', () => postgresProblems(changed((c) => { delete db(c)['profiles']; })), /behind the profile/],
    ['a literal POSTGRES_PASSWORD', () => postgresProblems(changed((c) => { (db(c)['environment'] as Record<string, string>)['POSTGRES_PASSWORD'] = 'x'; })),
      /POSTGRES_PASSWORD in the environment/],
    ['a password file that is no secret of the service', () => postgresProblems(changed((c) => { db(c)['secrets'] = []; })), /must be given to the service/],
    ['a published port', () => postgresProblems(changed((c) => { db(c)['ports'] = ['5432:5432']; })), /no port published/],
    ['no pg_isready', () => postgresProblems(changed((c) => { delete db(c)['healthcheck']; })), /pg_isready/],
    ['the data on an anonymous volume', () => postgresProblems(changed((c) => { db(c)['volumes'] = ['/var/lib/postgresql/data']; })), /named volume/],
    ['the app tied to postgres by default', () => appDatabaseProblems(parseCompose(withPostgres(composeText)), 'files'), /DATABASE_URL_FILE set by default[\s\S]*depends on postgres/],
    ['DATABASE_URL in the app\'s environment', () =>
      appDatabaseProblems(changed((c) => { (app(c)['environment'] as Record<string, string>)['DATABASE_URL'] = 'postgresql://u:p@postgres/kite'; }), 'files'),
    /DATABASE_URL in the environment/],
    ['the database home without waiting for a healthy postgres', () => {
      const enabled = parseCompose(withPostgres(composeText));
      delete app(enabled)['depends_on'];
      return appDatabaseProblems(enabled, 'postgres');
    }, /service_healthy/],
  ])('fails on %s', (_, problems, expected) => {
    expect(problems().join('\n')).toMatch(expected);
  });
  it('a bounded deploy.restart_policy passes too', () => {
    expect(restartProblems({ deploy: { restart_policy: { condition: 'on-failure', max_attempts: 5 } } })).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, data, dependencies, test output and git out of the image', () => {
    const lines = readFileSync(resolve('.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'secrets/', 'data/', 'node_modules/', 'test-results/', '.git/']) expect(lines).toContain(entry);
  });
});
