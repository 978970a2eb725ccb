import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountStop } from '../../src/account/account-stop.js';
import { DATABASE_MARKER } from '../../src/account/files/database-marker.js';
import { filesHome } from '../../src/account/files/files-home.js';
import { fileLedgerOf, moveLedgerAside } from '../../src/account/files/move-aside.js';
import { memoryHome } from '../../src/account/memory-home.js';
import { openHome } from '../../src/account/open-home.js';
import type { AccountRecord } from '../../src/account/record.js';
import { todaysToken } from '../../src/account/todays-token.js';
import { statusCommand } from '../../src/commands/status.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { memoryLedgerStore } from '../../src/ledger/ledger-store.js';
import { createLogger } from '../../src/logger.js';
import { keepNewToken } from '../../src/login/keep-token.js';
import { loginUnderLedger } from '../../src/login/login-under-ledger.js';
import { fingerprint } from '../../src/state/credentials-fingerprint.js';
import { buildSavedToken, TokenStore, type SavedToken } from '../../src/token-store.js';
import { testDaemonConfig } from '../support/daemon-config.js';
import { startPostgresServer, stopAllPostgresServers, type PostgresServer } from '../support/postgres-server.js';

/** What an adversarial review of the account record found (issues 16 and 17), each first as a failing test. */

const logger = createLogger('silent');
const secrets = { password: 'wrong-pw', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };

function tokenFor(userId: string, apiKey: string, loginTime: Date): SavedToken {
  return buildSavedToken({ accessToken: 'a'.repeat(32), publicToken: 'b'.repeat(16), apiKey, userId, userName: 'T', userShortname: 'T', email: 't@example.com', loginTime }, loginTime);
}

/** A record whose token the database cannot read (a pool wait past its bound, a network blip, a damaged row). */
function unreadableToken(inner: AccountRecord): AccountRecord {
  return {
    account: inner.account, home: inner.home, place: inner.place, morning: inner.morning,
    readLedger: (now) => inner.readLedger(now), lockHeld: (now) => inner.lockHeld(now), announce: (t) => inner.announce(t),
    hold: (work, options) => inner.hold(work, options),
    readToken: () => Promise.resolve({ state: 'unreadable', reason: 'the database could not be read (TIMEOUT)' }),
  };
}

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-record-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('a token the record cannot read is not "no token"', () => {
  it('login stops before the browser (another host may hold today\'s session), exit 2', async () => {
    const config = testDaemonConfig(dir);
    const record = unreadableToken(memoryHome().record(config.credentials, config));
    let logins = 0;
    const error = await loginUnderLedger(config, record, { force: false }, {
      logger, via: 'test', lockWaitMs: 1_000,
      session: () => { throw new Error('no token to ask Kite about'); },
      perform: () => { logins += 1; return Promise.reject(new Error('browser login started')); },
    }).then(() => undefined, (e: unknown) => e);
    expect(logins).toBe(0);
    expect(error).toMatchObject({ code: 'STATE_UNREADABLE', exitCode: 2 });
    expect((error as Error).message).toContain('nothing was sent');
  });

  it('a valid token in this host\'s file is still the answer', async () => {
    const config = testDaemonConfig(dir);
    await new TokenStore(config.tokenFile).write(tokenFor(config.credentials.userId, config.credentials.apiKey, new Date()));
    const record = unreadableToken(memoryHome().record(config.credentials, config));
    const outcome = await loginUnderLedger(config, record, { force: false }, {
      logger, via: 'test', lockWaitMs: 1_000,
      session: () => ({ exchange: () => Promise.reject(new Error('no exchange')), profile: () => Promise.resolve({ userId: config.credentials.userId, userName: 'T', email: 't@example.com' }) }),
      perform: () => Promise.reject(new Error('browser login started')),
    });
    expect(outcome.kind).toBe('still-valid');
  });

  it('the daemon\'s beat throws rather than plan a login; with a current token file it keeps that', async () => {
    const config = testDaemonConfig(dir);
    const record = unreadableToken(memoryHome().record(config.credentials, config));
    await expect(todaysToken(record, config.tokenFile, new Date())).rejects.toMatchObject({ code: 'STATE_UNREADABLE' });
    const own = tokenFor(config.credentials.userId, config.credentials.apiKey, new Date());
    await new TokenStore(config.tokenFile).write(own);
    expect((await todaysToken(record, config.tokenFile, new Date()))?.access_token).toBe(own.access_token);
  });
});

describe('a token Kite issued is kept in the token file even when the record fails', () => {
  it('writes TOKEN_FILE, then reports SAVE_FAILED naming both', async () => {
    const tokenFile = join(dir, 'token.json');
    const token = tokenFor('AB1234', 'k', new Date());
    const error = await keepNewToken(token, new TokenStore(tokenFile), tokenFile, () => Promise.reject(Object.assign(new Error('x'), { code: 'LOCK_LOST' })))
      .then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'SAVE_FAILED' });
    expect((error as Error).message).toContain(`It is in TOKEN_FILE ${tokenFile}`);
    expect(JSON.parse(await readFile(tokenFile, 'utf8'))).toMatchObject({ access_token: token.access_token });
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
  });

  it('a valid token in the file that the record does not hold is put in the record by the next login', async () => {
    const config = testDaemonConfig(dir);
    const own = tokenFor(config.credentials.userId, config.credentials.apiKey, new Date());
    await new TokenStore(config.tokenFile).write(own);
    const record = memoryHome().record(config.credentials, config);
    await loginUnderLedger(config, record, { force: false }, {
      logger, via: 'test', lockWaitMs: 1_000,
      session: () => ({ exchange: () => Promise.reject(new Error('no exchange')), profile: () => Promise.resolve({ userId: config.credentials.userId, userName: 'T', email: 't@example.com' }) }),
      perform: () => Promise.reject(new Error('browser login started')),
    });
    expect(await record.readToken()).toMatchObject({ state: 'ok', token: { access_token: own.access_token } });
  });
});

describe('a stop cleared by changed credentials is history once the new ones are accepted', () => {
  it('readers without the secrets (status, health) no longer report it', async () => {
    const account = { apiKey: 'app1', userId: 'AB1234' };
    const at = new Date('2026-11-23T02:00:00Z');
    const ledger = await AccountLedger.open(memoryLedgerStore(), account, at, { create: true }) as AccountLedger;
    const old = await ledger.prints(account, { password: 'old', totpSecret: 'JBSWY3DPEHPK3PXP' });
    const now = await ledger.prints(account, { password: 'new', totpSecret: 'JBSWY3DPEHPK3PXP' });
    const send = async (factor: 'password' | 'totp', print: string, outcome: 'accepted' | 'rejected', day: string, window?: number): Promise<void> => {
      const id = await ledger.recordSubmission({ factor, at: at.toISOString(), day, print, via: 'run', pid: 1, ...(window ? { window } : {}) });
      await ledger.recordAnswer(id, at, outcome, outcome === 'rejected' ? { code: factor === 'password' ? 'CREDENTIALS_REJECTED' : 'TOTP_REJECTED' } : {});
    };
    await send('password', old.password, 'rejected', '2026-11-23');
    expect(ledger.judge(undefined, true).stop?.cause).toBe('CREDENTIALS_REJECTED');
    await send('password', now.password, 'accepted', '2026-11-24');
    await send('totp', now.totp, 'accepted', '2026-11-24', 1000);
    expect(ledger.judge(now, true).stop).toBeUndefined();
    expect(ledger.judge(undefined, true).stop).toBeUndefined();
    // And the old password, rejected again after that, stops at once again.
    await send('password', old.password, 'rejected', '2026-11-25');
    expect(ledger.judge(old, true).stop?.cause).toBe('CREDENTIALS_REJECTED');
  });
});

describe('a file ledger moved into a database meanwhile is never started again', () => {
  it('a login on files after `migrate` moved the ledger aside is refused, exit 2', async () => {
    const config = testDaemonConfig(dir);
    const record = filesHome().record(config.credentials, config);
    const path = await record.hold(async (held) => (await held.openLedger(secrets, new Date())).ledger.path);
    await moveLedgerAside(path);
    const error = await record.hold((held) => held.openLedger(secrets, new Date())).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'STATE_UNREADABLE', exitCode: 2 });
  });
});

describe('with PostgreSQL', () => {
  let started: PostgresServer | undefined;
  let server: PostgresServer;
  beforeEach(async () => { started ??= await startPostgresServer(); server = started; });
  afterAll(async () => { await stopAllPostgresServers(); });

  async function rejectedOnFiles(config: ReturnType<typeof testDaemonConfig>): Promise<void> {
    const record = filesHome().record(config.credentials, config);
    await record.hold(async (held) => {
      const { ledger, prints } = await held.openLedger(secrets, new Date());
      const id = await ledger.recordSubmission({ factor: 'password', at: new Date().toISOString(), day: '2026-12-03', print: prints.password, via: 'login', pid: 1 });
      await ledger.recordAnswer(id, new Date(), 'rejected', { code: 'CREDENTIALS_REJECTED', status: 403 });
    });
    expect((await accountStop(record, secrets, new Date()))?.cause).toBe('CREDENTIALS_REJECTED');
  }

  it('DATABASE_URL set before `migrate`: a command that writes is refused while a file ledger waits, nothing marked; `migrate` then carries it', async () => {
    const filesConfig = testDaemonConfig(dir, { KITE_PASSWORD: secrets.password });
    await rejectedOnFiles(filesConfig);
    const dbConfig = testDaemonConfig(dir, { KITE_PASSWORD: secrets.password, DATABASE_URL: server.url({ database: await server.createDatabase() }) });
    const places = [{ account: dbConfig.credentials, tokenFile: dbConfig.tokenFile, stateDir: dbConfig.stateDir }];
    const refused = await openHome(dbConfig, { places, use: 'write' }).then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2 });
    expect((refused as Error).message).toContain('kite-autologin migrate');
    await expect(stat(join(dir, DATABASE_MARKER))).rejects.toMatchObject({ code: 'ENOENT' });

    const home = await openHome(dbConfig, { places, use: 'migrate' });
    try {
      const { text } = await fileLedgerOf(dbConfig.credentials, dbConfig);
      expect(await home.importLedger?.(dbConfig.credentials, text as string)).toMatchObject({ imported: true });
      const record = home.record(dbConfig.credentials, dbConfig);
      expect((await accountStop(record, secrets, new Date()))?.cause).toBe('CREDENTIALS_REJECTED');
    } finally {
      await home.close();
    }
  }, 60_000);

  it('a stop an earlier version left in its state file is carried into a new database ledger', async () => {
    const config = testDaemonConfig(dir, { KITE_PASSWORD: secrets.password, DATABASE_URL: server.url({ database: await server.createDatabase() }) });
    const halt = { at: '2026-12-02T02:00:00.000Z', code: 'CREDENTIALS_REJECTED', credentials: fingerprint({ ...config.credentials, ...secrets }) };
    await writeFile(join(dir, 'kite-autologin-state.json'), JSON.stringify({ halt }), { mode: 0o600 });
    const home = await openHome(config, { places: [{ account: config.credentials, tokenFile: config.tokenFile, stateDir: config.stateDir }], use: 'write' });
    try {
      const record = home.record(config.credentials, config);
      const stop = await record.hold(async (held) => {
        const { ledger, prints } = await held.openLedger(secrets, new Date());
        return ledger.judge(prints, true).stop;
      });
      expect(stop?.cause).toBe('CREDENTIALS_REJECTED');
    } finally {
      await home.close();
    }
  }, 60_000);

  it('a read-only `status` with DATABASE_URL does not turn a files host into a database host', async () => {
    const env = { KITE_API_KEY: 'k', KITE_USER_ID: 'AB1234', TOKEN_FILE: join(dir, 'token.json'), STATE_DIR: dir };
    const run = (extra: Record<string, string>): Promise<number> => statusCommand.run({
      args: [], env: { ...env, ...extra }, cwd: dir, out: () => undefined, err: () => undefined, signal: new AbortController().signal, interactive: false,
    } as never).catch((e: unknown) => (e as { exitCode?: number }).exitCode ?? -1);
    expect(await run({})).toBe(1);
    await run({ DATABASE_URL: server.url({ database: await server.createDatabase() }) });
    expect(await run({})).toBe(1);
  }, 60_000);
});
