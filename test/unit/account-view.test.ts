import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { viewAccount } from '../../src/account/account-view.js';
import { accountFiles } from '../../src/account/files/account-files.js';
import { filesHome } from '../../src/account/files/files-home.js';
import { fileLedgerStore } from '../../src/account/files/ledger-file.js';

const account = { apiKey: 'app1', userId: 'AB1234' };

describe('what status, health and resume read of an account (files home)', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-record-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('a password sent by a process that died before Kite answered shows as a stop, unless a live login holds the lock', async () => {
    const config = { tokenFile: join(dir, 'token.json'), stateDir: dir };
    const files = accountFiles(config, account);
    const record = filesHome().record(account, config);
    const now = new Date();
    const ledger = await AccountLedger.open(fileLedgerStore(files.ledger), account, now, { create: true }) as AccountLedger;
    await ledger.recordSubmission({ factor: 'password', at: now.toISOString(), day: '2026-11-24', print: 'p', via: 'run', pid: 1 });

    expect((await viewAccount(record, now)).stop).toMatchObject({ since: now.toISOString(), causes: ['password unknown'] });

    await mkdir(files.lock);
    expect((await viewAccount(record, now)).stop).toBeUndefined(); // in flight

    const old = new Date(now.getTime() - 60_000);
    await utimes(files.lock, old, old); // a crashed holder's lock, stale
    expect((await viewAccount(record, now)).stop?.causes).toEqual(['password unknown']);
  });

  it('nothing recorded yet: no stop, and no ledger is created by reading', async () => {
    const config = { tokenFile: join(dir, 'token.json'), stateDir: dir };
    const view = await viewAccount(filesHome().record(account, config), new Date());
    expect(view).toMatchObject({ ledger: undefined, stop: undefined });
    await expect(import('node:fs/promises').then((fs) => fs.stat(accountFiles(config, account).ledger))).rejects.toThrow(/ENOENT/);
  });
});
