import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryHome } from '../../src/account/memory-home.js';
import type { AccountRecord, Secrets } from '../../src/account/record.js';
import { loadDaemonConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { createLogger } from '../../src/logger.js';
import { autologinMetrics } from '../../src/metrics/autologin-metrics.js';
import { serveMetrics } from '../../src/metrics/metrics-server.js';
import type { MetricsAccount } from '../../src/metrics/sample-account.js';
import type { SavedToken } from '../../src/token-store.js';

/** The registry built from records in memory (and one that never answers), read as Prometheus would. */

const SECRETS: Secrets = { password: 'pw-SECRET-1', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };
const NOW = new Date('2026-11-24T03:00:00.000Z');

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-metrics-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const tokenOf = (userId: string, apiKey: string, loginTime: string, expiresAt: string): SavedToken => ({
  access_token: `access-SECRET-${userId}`, public_token: 'public-SECRET', api_key: apiKey, user_id: userId, user_name: 'n', user_shortname: 'n', email: 'e@example.com',
  login_time: loginTime, expires_at: expiresAt, saved_at: loginTime,
});

/** A record with: two passwords (accepted, then rejected: stopped), one code accepted, one password unanswered; a kiteClock and a last attempt. */
async function stoppedRecord(): Promise<AccountRecord> {
  const record = memoryHome().record({ apiKey: 'app1', userId: 'AB1234' }, { tokenFile: join(dir, 'a.json'), stateDir: dir });
  await record.hold(async (held) => {
    const { ledger, prints } = await held.openLedger(SECRETS, NOW);
    const submit = async (factor: 'password' | 'totp', outcome?: 'accepted' | 'rejected'): Promise<void> => {
      const id = await ledger.recordSubmission({ factor, at: NOW.toISOString(), day: '2026-11-24', print: prints[factor], via: 'test', pid: 1 });
      if (outcome) await ledger.recordAnswer(id, NOW, outcome, outcome === 'rejected' ? { code: 'CREDENTIALS_REJECTED', status: 403 } : {});
    };
    await submit('password', 'accepted');
    await submit('totp', 'accepted');
    await submit('password', 'rejected');
    await submit('password');
  });
  await record.morning.update((s) => {
    s.kiteClock = { offsetMs: -1500, measuredAt: NOW.toISOString() };
    s.lastAttempt = { at: '2026-11-24T02:00:05.000Z', day: '2026-11-24', trigger: 'scheduled', result: 'logged-in', attempts: 1 };
  });
  return record;
}

/** A second account whose token the record keeps (as PostgreSQL does), with no ledger at all. */
async function keptTokenRecord(): Promise<AccountRecord> {
  const record = memoryHome().record({ apiKey: 'app1', userId: 'CD5678' }, { tokenFile: join(dir, 'b.json'), stateDir: dir });
  await record.hold((held) => held.saveToken(tokenOf('CD5678', 'app1', '2026-11-24T07:40:00+05:30', '2026-11-25T06:00:00+05:30')));
  return record;
}

/** Series lines (no comments), as `name{labels} value`. */
const series = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('the metrics registry', () => {
  it('reads each account\'s record on scrape: expiry, last success, stop, submissions by factor and outcome, Kite\'s clock', async () => {
    // The token file holds the first account's token; the second's is kept in its record only.
    await writeFile(join(dir, 'a.json'), JSON.stringify(tokenOf('AB1234', 'app1', '2026-11-24T07:30:04+05:30', '2026-11-25T06:00:00+05:30')));
    const accounts: MetricsAccount[] = [
      { userId: 'AB1234', record: await stoppedRecord(), tokenFile: join(dir, 'a.json'), secrets: SECRETS },
      { userId: 'CD5678', name: 'Mother', record: await keptTokenRecord(), tokenFile: join(dir, 'b.json') },
    ];
    const { registry } = autologinMetrics(accounts, { now: () => NOW, defaultMetrics: false });
    const text = await registry.metrics();
    const expiry = Date.parse('2026-11-25T06:00:00+05:30') / 1000;
    expect(series(text, 'kite_autologin_token_expiry_timestamp_seconds')).toEqual([
      `kite_autologin_token_expiry_timestamp_seconds{account="AB1234"} ${expiry}`,
      `kite_autologin_token_expiry_timestamp_seconds{account="CD5678",name="Mother"} ${expiry}`,
    ]);
    expect(series(text, 'kite_autologin_last_success_timestamp_seconds')).toEqual([
      `kite_autologin_last_success_timestamp_seconds{account="AB1234"} ${Date.parse('2026-11-24T02:00:05.000Z') / 1000}`,
      `kite_autologin_last_success_timestamp_seconds{account="CD5678",name="Mother"} ${Date.parse('2026-11-24T07:40:00+05:30') / 1000}`,
    ]);
    expect(series(text, 'kite_autologin_account_stopped')).toEqual([
      'kite_autologin_account_stopped{account="AB1234"} 1',
      'kite_autologin_account_stopped{account="CD5678",name="Mother"} 0',
    ]);
    expect(series(text, 'kite_autologin_kite_clock_offset_seconds')).toEqual(['kite_autologin_kite_clock_offset_seconds{account="AB1234"} -1.5']);
    const submissions = series(text, 'kite_autologin_submissions_total');
    // Every factor and outcome, zeros included, for each account.
    expect(submissions).toHaveLength(2 * 2 * 7);
    expect(submissions).toContain('kite_autologin_submissions_total{account="AB1234",factor="password",outcome="accepted"} 1');
    expect(submissions).toContain('kite_autologin_submissions_total{account="AB1234",factor="password",outcome="rejected"} 1');
    expect(submissions).toContain('kite_autologin_submissions_total{account="AB1234",factor="password",outcome="pending"} 1');
    expect(submissions).toContain('kite_autologin_submissions_total{account="AB1234",factor="totp",outcome="accepted"} 1');
    expect(submissions).toContain('kite_autologin_submissions_total{account="CD5678",name="Mother",factor="totp",outcome="accepted"} 0');
    expect(series(text, 'kite_autologin_record_readable')).toEqual(['kite_autologin_record_readable{account="AB1234"} 1', 'kite_autologin_record_readable{account="CD5678",name="Mother"} 1']);
    expect(text).toContain('# TYPE kite_autologin_submissions_total counter');
    expect(text).toContain('# TYPE kite_autologin_token_expiry_timestamp_seconds gauge');
    for (const secret of [SECRETS.password, SECRETS.totpSecret, 'SECRET']) expect(text).not.toContain(secret);
  });

  it('a new scrape reads again: what changed since shows', async () => {
    const record = await keptTokenRecord();
    const { registry } = autologinMetrics([{ userId: 'CD5678', record, tokenFile: join(dir, 'b.json') }], { defaultMetrics: false });
    expect(series(await registry.metrics(), 'kite_autologin_kite_clock_offset_seconds')).toEqual([]);
    await record.morning.update((s) => { s.kiteClock = { offsetMs: 2000, measuredAt: NOW.toISOString() }; });
    expect(series(await registry.metrics(), 'kite_autologin_kite_clock_offset_seconds')).toEqual(['kite_autologin_kite_clock_offset_seconds{account="CD5678"} 2']);
  });

  it('a record that never answers does not hold the scrape: it reports what could be read, and that the rest could not', async () => {
    const good = await keptTokenRecord();
    const never = new Promise<never>(() => undefined);
    let reads = 0;
    const hung: AccountRecord = { ...good, account: { apiKey: 'app1', userId: 'EF9012' }, morning: { place: 'x', read: () => { reads += 1; return never; }, update: () => never }, readLedger: () => never };
    const { registry } = autologinMetrics([
      { userId: 'CD5678', record: good, tokenFile: join(dir, 'b.json') },
      { userId: 'EF9012', record: hung, tokenFile: join(dir, 'missing.json') },
    ], { defaultMetrics: false, boundMs: 200 });
    const t0 = performance.now();
    const text = await registry.metrics();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(series(text, 'kite_autologin_record_readable')).toEqual(['kite_autologin_record_readable{account="CD5678"} 1', 'kite_autologin_record_readable{account="EF9012"} 0']);
    expect(series(text, 'kite_autologin_account_stopped')).toEqual(['kite_autologin_account_stopped{account="CD5678"} 0']);
    expect(series(text, 'kite_autologin_submissions_total').every((l) => l.includes('CD5678'))).toBe(true);
    // The next scrape waits on the same read, it does not start another.
    await registry.metrics();
    expect(reads).toBe(1);
  });

  it('times the daemon\'s attempts in a histogram by result, and carries the process metrics', async () => {
    const record = await keptTokenRecord();
    const metrics = autologinMetrics([{ userId: 'CD5678', name: 'Mother', record, tokenFile: join(dir, 'b.json') }]);
    metrics.observeAttempt('cd5678', 12.5, 'logged-in');
    metrics.observeAttempt('CD5678', 3, 'failed');
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE kite_autologin_login_duration_seconds histogram');
    expect(text).toContain('kite_autologin_login_duration_seconds_bucket{le="15",account="CD5678",name="Mother",result="logged-in"} 1');
    expect(text).toContain('kite_autologin_login_duration_seconds_bucket{le="10",account="CD5678",name="Mother",result="logged-in"} 0');
    expect(text).toContain('kite_autologin_login_duration_seconds_count{account="CD5678",name="Mother",result="failed"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    // prom-client's gauges named like counters are left out (promtool rejects them); their by-type series stay.
    expect(text).not.toMatch(/^nodejs_active_(?:handles|requests|resources)_total/m);
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
    expect(text).toMatch(/^kite_autologin_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
  });
});

describe('the /metrics server', () => {
  const logger = createLogger('silent');

  it('serves GET /metrics in the text format, nothing else, and closes with a scraper still connected', async () => {
    const { registry } = autologinMetrics([], { defaultMetrics: false });
    const server = await serveMetrics(registry, { host: '127.0.0.1', port: 0 }, logger);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const ok = await fetch(server.url);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await ok.text()).toContain('kite_autologin_build_info');
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      const t0 = performance.now();
      await server.close();
      expect(performance.now() - t0).toBeLessThan(2_000);
    }
  });

  it('a port it cannot take is a configuration problem naming METRICS_PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const error = await serveMetrics(autologinMetrics([], { defaultMetrics: false }).registry, { host: '127.0.0.1', port }, logger).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems[0]).toMatchObject({ variable: 'METRICS_PORT', message: expect.stringContaining('the port is taken') });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('METRICS_PORT and METRICS_HOST', () => {
  const good = {
    KITE_API_KEY: 'k', KITE_API_SECRET: 's', KITE_USER_ID: 'AB1234', KITE_PASSWORD: 'p',
    KITE_TOTP_SECRET: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', KITE_REDIRECT_URL: 'http://127.0.0.1/cb',
  };
  const load = (env: Record<string, string>) => loadDaemonConfig({ env: { ...good, ...env }, cwd: '/x', readFile: () => { throw Object.assign(new Error('none'), { code: 'ENOENT' }); } });
  const problems = (env: Record<string, string>) => {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('serve nothing by default, and 127.0.0.1 unless told', () => {
    expect(load({}).metrics).toBeUndefined();
    expect(load({ METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(load({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(load({ METRICS_PORT: '9464', METRICS_HOST: '::1' }).metrics).toEqual({ host: '::1', port: 9464 });
  });

  it('report a bad port, a bad host, and a host without a port, all at once, never the value', () => {
    expect(problems({ METRICS_PORT: '70000', METRICS_HOST: 'CANARY host' })).toEqual([
      { variable: 'METRICS_PORT', message: 'must be a TCP port from 1 to 65535, e.g. 9464' },
      { variable: 'METRICS_HOST', message: 'must be an IP address or a host name to listen on, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every address)' },
    ]);
    expect(problems({ METRICS_HOST: '127.0.0.1' })).toEqual([{ variable: 'METRICS_HOST', message: 'is set, but METRICS_PORT is not: set the port to serve /metrics, or remove the host' }]);
  });
});
