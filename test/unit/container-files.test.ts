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

describe('compose.yaml', () => {
  const compose = parseYaml(readFileSync(resolve('compose.yaml'), 'utf8')) as {
    services: Record<string, Record<string, unknown>>; secrets: Record<string, { file: string }>; volumes: Record<string, unknown>;
  };
  const service = compose.services['kite-autologin'] as Record<string, unknown>;

  it('restarts, keeps /data on a volume, rotates its logs, checks its health, runs read-only', () => {
    expect(service['restart']).toBe('unless-stopped');
    expect(service['volumes']).toContain('kite-data:/data');
    expect(compose.volumes).toHaveProperty('kite-data');
    expect(service['logging']).toMatchObject({ driver: 'json-file', options: { 'max-size': expect.any(String), 'max-file': expect.any(String) } });
    expect((service['healthcheck'] as { test: string[] }).test).toEqual(['CMD', 'node', '/app/dist/cli.js', 'health']);
    expect(service['read_only']).toBe(true);
  });

  it('takes every credential from a Docker secret file, none from the environment', () => {
    const env = service['environment'] as Record<string, string>;
    for (const name of ['KITE_API_KEY', 'KITE_API_SECRET', 'KITE_USER_ID', 'KITE_PASSWORD', 'KITE_TOTP_SECRET']) {
      expect(env[name]).toBeUndefined();
      const secret = name.toLowerCase();
      expect(env[`${name}_FILE`]).toBe(`/run/secrets/${secret}`);
      expect(service['secrets']).toContain(secret);
      expect(compose.secrets[secret]?.file).toBe(`./secrets/${secret}`);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, data, dependencies, test output and git out of the image', () => {
    const lines = readFileSync(resolve('.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'secrets/', 'data/', 'node_modules/', 'test-results/', '.git/']) expect(lines).toContain(entry);
  });
});
