import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/config/index.js';
import { StateError } from '../../src/errors/index.js';
import { AccountLedger, type Account } from '../../src/ledger/account-ledger.js';
import type { AnswerKind, Factor } from '../../src/ledger/records.js';
import { fileLedgerStore } from '../../src/ledger/ledger-store.js';
import { accountFiles, type AccountFiles } from '../../src/login/account-files.js';
import { MOVED_TO_REDIS } from '../../src/login/moved-ledger.js';
import { openAccountLedger } from '../../src/login/open-ledger.js';
import { RedisLedgerStore } from '../../src/redis/redis-ledger-store.js';
import { acquireAccountLock } from '../../src/state/account-lock.js';
import { istDate } from '../../src/time/ist.js';
import { twoHostsOnOneRedis } from '../support/redis-hosts.js';

/** A fresh account per test: the tests share one server, never a ledger. */
let accounts = 0;
const NOW = new Date('2026-03-10T04:00:00Z'); // 09:30 IST
const YESTERDAY = new Date(NOW.getTime() - 86_400_000);
const TODAY = istDate(NOW);

interface Setup { account: Account; credentials: Credentials; files: AccountFiles; file: AccountLedger; filePrints: Record<Factor, string> }

describe('carrying a file ledger into a Redis ledger another host already keeps (real Redis)', () => {
  const hosts = twoHostsOnOneRedis();
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  /** This host's file ledger (before REDIS_URL), and host B's ledger already in Redis. */
  const setup = async (redisHasOne = true): Promise<Setup> => {
    const dir = await mkdtemp(join(tmpdir(), 'kal-carry-'));
    dirs.push(dir);
    const userId = `CV${String(++accounts).padStart(4, '0')}`;
    const credentials: Credentials = { apiKey: 'carry123', apiSecret: 'carry-api-secret', userId, password: 'carry-pw-8812', totpSecret: 'JBSWY3DPEHPK3PXP', redirectUrl: 'http://127.0.0.1/kite-redirect' };
    const account: Account = { apiKey: credentials.apiKey, userId };
    const files = accountFiles({ tokenFile: join(dir, 'token.json') }, account);
    const file = await AccountLedger.open(fileLedgerStore(files.ledger), account, NOW, { create: true }) as AccountLedger;
    const filePrints = await file.prints(account, credentials);
    if (redisHasOne) await AccountLedger.open(new RedisLedgerStore(hosts.hostB, account.apiKey, userId), account, NOW, { create: true });
    return { account, credentials, files, file, filePrints };
  };

  const submit = async (s: Setup, factor: Factor, outcome: AnswerKind | undefined, at = NOW, window?: number): Promise<void> => {
    const id = await s.file.recordSubmission({ factor, at: at.toISOString(), day: istDate(at), print: s.filePrints[factor], ...(window === undefined ? {} : { window }), via: 'login', pid: 4242 });
    if (outcome !== undefined) await s.file.recordAnswer(id, at, outcome, outcome === 'rejected' ? { code: factor === 'password' ? 'CREDENTIALS_REJECTED' : 'TOTP_REJECTED' } : {});
  };

  const openOnA = (s: Setup, options: Parameters<typeof openAccountLedger>[4] = {}) =>
    openAccountLedger(s.files, s.credentials, NOW, new RedisLedgerStore(hosts.hostA, s.account.apiKey, s.account.userId), options);

  it('today\'s password submissions and failed TOTP (with its window) count in Redis; yesterday\'s do not', async () => {
    const s = await setup();
    await submit(s, 'password', 'transient', YESTERDAY);
    await submit(s, 'password', 'transient');
    await submit(s, 'password', 'accepted');
    await submit(s, 'totp', 'rejected', NOW, 59_000_123);
    const { ledger, prints } = await openOnA(s);
    const verdict = ledger.judge(prints, true);
    expect(verdict.stop).toBeUndefined();
    // The accepted password ends what was counted before it (Kite's count resets on an accepted one).
    expect(verdict.password.left).toBe(3);
    expect(verdict.totp.left).toBe(1);
    expect(verdict.totp.failedWindow).toBe(59_000_123);
    expect(ledger.submissions().filter((x) => x.day === TODAY)).toHaveLength(3);
    await expect(stat(`${s.files.ledger}${MOVED_TO_REDIS}`)).resolves.toBeDefined();
    await expect(stat(s.files.ledger)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('Redis has no ledger yet: the file (answers settled first) becomes it whole, salt and all', async () => {
    const s = await setup(false);
    await submit(s, 'password', 'transient', YESTERDAY);
    await submit(s, 'password', undefined);
    const { ledger, prints } = await openOnA(s);
    expect(prints).toEqual(s.filePrints);
    expect(ledger.submissions().map((x) => x.outcome)).toEqual(['transient', 'unknown']);
    expect(ledger.judge(prints, true).stop).toMatchObject({ code: 'HALTED', cause: 'SUBMISSION_UNKNOWN' });
    await expect(stat(`${s.files.ledger}${MOVED_TO_REDIS}`)).resolves.toBeDefined();
  });

  it('a password rejected today, or sent and never answered, stops the account in Redis too (counted once)', async () => {
    const s = await setup();
    await submit(s, 'password', 'rejected');
    const { ledger, prints } = await openOnA(s);
    const verdict = ledger.judge(prints, true);
    expect(verdict.stop).toMatchObject({ code: 'HALTED', factor: 'password', cause: 'CREDENTIALS_REJECTED' });
    expect(verdict.password.left).toBe(2);

    const t = await setup();
    await submit(t, 'password', undefined); // the file-mode process died before Kite answered
    const other = await openOnA(t);
    const judged = other.ledger.judge(other.prints, true);
    expect(judged.stop).toMatchObject({ code: 'HALTED', factor: 'password', cause: 'SUBMISSION_UNKNOWN' });
    expect(judged.password.left).toBe(2);
  });

  it('two TOTP codes rejected today stop the account in Redis', async () => {
    const s = await setup();
    await submit(s, 'totp', 'rejected', NOW, 1);
    await submit(s, 'totp', 'rejected', NOW, 2);
    const { ledger, prints } = await openOnA(s);
    expect(ledger.judge(prints, true)).toMatchObject({ stop: { code: 'HALTED', factor: 'totp' }, totp: { left: 0 } });
  });

  it('a rejection cleared by `resume` on this host still spends today\'s budget, but stops nothing', async () => {
    const s = await setup();
    await submit(s, 'password', 'rejected');
    await submit(s, 'totp', 'blocked', NOW, 7);
    await s.file.recordResume(NOW, 'resume');
    const { ledger, prints } = await openOnA(s);
    const verdict = ledger.judge(prints, true);
    expect(verdict.stop).toBeUndefined();
    expect(verdict.password.left).toBe(2);
    expect(verdict.totp.left).toBe(1);
  });

  it('carried once: a carry cut short before the file was moved aside counts nothing twice', async () => {
    const s = await setup();
    await submit(s, 'password', 'transient');
    await submit(s, 'totp', 'rejected', NOW, 3);
    await openOnA(s);
    // As if the process had died right before the rename: the file is still in place.
    await rename(`${s.files.ledger}${MOVED_TO_REDIS}`, s.files.ledger);
    const { ledger, prints } = await openOnA(s);
    const verdict = ledger.judge(prints, true);
    expect(verdict.password.left).toBe(2);
    expect(verdict.totp.left).toBe(1);
    expect(ledger.submissions()).toHaveLength(2);
  });

  it('waits for the account\'s file lock: a file-mode login mid-way on this host finishes first, and its submission is carried', async () => {
    const s = await setup();
    const held = await acquireAccountLock(s.files.lock);
    let waiting!: () => void;
    const waited = new Promise<'waiting'>((resolve) => { waiting = () => { resolve('waiting'); }; });
    let goOn!: () => void;
    const proceed = new Promise<void>((resolve) => { goOn = resolve; });
    const opening = openOnA(s, { sleep: () => { waiting(); return proceed; } });
    try {
      expect(await Promise.race([waited, opening.then(() => 'carried without the lock')])).toBe('waiting');
      await submit(s, 'password', 'transient'); // the file-mode login, still holding its lock
      await held.release();
    } finally {
      await held.release();
      goOn();
    }
    const { ledger, prints } = await opening;
    expect(ledger.judge(prints, true).password.left).toBe(2);
  });

  it('without REDIS_URL after the move: a StateError naming REDIS_URL, never a fresh ledger with a full budget', async () => {
    const s = await setup();
    await submit(s, 'password', 'rejected');
    await openOnA(s);
    const opened = openAccountLedger(s.files, s.credentials, NOW);
    await expect(opened).rejects.toBeInstanceOf(StateError);
    await expect(opened).rejects.toMatchObject({ code: 'STATE_UNREADABLE', exitCode: 2, message: expect.stringContaining('REDIS_URL') as unknown });
    await expect(stat(s.files.ledger)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a Redis ledger this host has seen and Redis then lost (real Redis)', () => {
  const hosts = twoHostsOnOneRedis();
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  const account = async (): Promise<{ credentials: Credentials; files: AccountFiles; store: RedisLedgerStore }> => {
    const dir = await mkdtemp(join(tmpdir(), 'kal-lost-'));
    dirs.push(dir);
    const userId = `LS${String(++accounts).padStart(4, '0')}`;
    const credentials: Credentials = { apiKey: 'lost123', apiSecret: 'lost-api-secret', userId, password: 'lost-pw-5521', totpSecret: 'JBSWY3DPEHPK3PXP', redirectUrl: 'http://127.0.0.1/kite-redirect' };
    const files = accountFiles({ tokenFile: join(dir, 'token.json') }, { apiKey: credentials.apiKey, userId });
    return { credentials, files, store: new RedisLedgerStore(hosts.hostA, credentials.apiKey, userId) };
  };

  it('a ledger gone from Redis (restart without AOF, FLUSHDB, eviction) stops the login instead of starting afresh', async () => {
    const a = await account();
    const first = await openAccountLedger(a.files, a.credentials, NOW, a.store);
    await first.ledger.recordSubmission({ factor: 'password', at: NOW.toISOString(), day: TODAY, print: first.prints.password, via: 'login', pid: 1 });
    await hosts.hostA.call('DEL', a.store.path);
    const error = await openAccountLedger(a.files, a.credentials, NOW, a.store).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).message).toMatch(/Redis no longer has the attempt ledger/);
    expect(await hosts.hostA.call('EXISTS', a.store.path)).toBe(0); // nothing made up in its place
  });

  it('a different ledger in Redis than the one this host saw (replaced) stops the login too', async () => {
    const a = await account();
    await openAccountLedger(a.files, a.credentials, NOW, a.store);
    await hosts.hostA.call('DEL', a.store.path);
    await AccountLedger.open(new RedisLedgerStore(hosts.hostB, a.credentials.apiKey, a.credentials.userId), { apiKey: a.credentials.apiKey, userId: a.credentials.userId }, NOW, { create: true });
    await expect(openAccountLedger(a.files, a.credentials, NOW, a.store)).rejects.toThrow(/not the one this host saw/);
  });

  it('the same ledger opens again and again; a host that never saw it opens it without complaint', async () => {
    const a = await account();
    await openAccountLedger(a.files, a.credentials, NOW, a.store);
    await expect(openAccountLedger(a.files, a.credentials, NOW, a.store)).resolves.toBeDefined();
    const elsewhere = accountFiles({ tokenFile: join(dirs[0] ?? '', 'other', 'token.json') }, { apiKey: a.credentials.apiKey, userId: a.credentials.userId });
    await expect(openAccountLedger(elsewhere, a.credentials, NOW, a.store)).resolves.toBeDefined();
  });
});
