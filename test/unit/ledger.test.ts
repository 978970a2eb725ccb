import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors/index.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { judge, RULES, totpAllowed } from '../../src/ledger/attempt-rules.js';
import { fileLedgerStore } from '../../src/account/files/ledger-file.js';
import { memoryLedgerStore, type LedgerStore } from '../../src/ledger/ledger-store.js';
import type { Factor, OutcomeKind } from '../../src/ledger/records.js';

const account = { apiKey: 'app1', userId: 'AB1234' };
const secrets = { password: 'pw', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };
const at = new Date('2026-11-23T02:00:00Z'); // 07:30 IST
const DAY = '2026-11-23';

async function ledgerWith(store: LedgerStore = memoryLedgerStore()): Promise<{ ledger: AccountLedger; prints: Record<Factor, string> }> {
  const ledger = await AccountLedger.open(store, account, at, { create: true }) as AccountLedger;
  return { ledger, prints: await ledger.prints(account, secrets) };
}

async function send(ledger: AccountLedger, prints: Record<Factor, string>, factor: Factor, outcome: OutcomeKind | undefined, day = DAY, window?: number): Promise<void> {
  const id = await ledger.recordSubmission({ factor, at: at.toISOString(), day, print: prints[factor], ...(window === undefined ? {} : { window }), via: 'test', pid: 1 });
  if (outcome) await ledger.recordAnswer(id, at, outcome, { code: outcome === 'rejected' ? (factor === 'password' ? 'CREDENTIALS_REJECTED' : 'TOTP_REJECTED') : undefined });
}

describe('the attempt rules', () => {
  it('a rejected password stops the account, across days, until resume', async () => {
    const { ledger, prints } = await ledgerWith();
    await send(ledger, prints, 'password', 'rejected');
    expect(ledger.judge(prints, true).stop).toMatchObject({ code: 'HALTED', factor: 'password', cause: 'CREDENTIALS_REJECTED', clears: 'resume-or-credentials' });
    await ledger.recordResume(at, 'resume');
    expect(ledger.judge(prints, true).stop).toBeUndefined();
  });

  it('a password sent whose answer was never recorded counts as a rejection (when settled)', async () => {
    const { ledger, prints } = await ledgerWith();
    await send(ledger, prints, 'password', undefined);
    expect(ledger.judge(prints, true).stop).toMatchObject({ code: 'HALTED', cause: 'SUBMISSION_UNKNOWN' });
    // A reader without the lock sees it as pending (in flight), not as a stop, but counts it.
    expect(ledger.submissions()[0]?.outcome).toBe('pending');
    expect(ledger.judge(prints, false)).toMatchObject({ stop: undefined, password: { left: 2 } });
  });

  it('changed credentials clear a stop about the old ones, but the count of what was not accepted stays', async () => {
    const { ledger, prints } = await ledgerWith();
    await send(ledger, prints, 'password', 'rejected');
    const changed = await ledger.prints(account, { ...secrets, password: 'new' });
    const verdict = ledger.judge(changed, true);
    expect(verdict.stop).toBeUndefined();
    expect(verdict.password.left).toBe(RULES.passwordNotAccepted - 1);
  });

  it('a blocked account stays stopped whatever the credentials, until resume', async () => {
    const { ledger, prints } = await ledgerWith();
    await send(ledger, prints, 'totp', 'blocked');
    const changed = await ledger.prints(account, { password: 'new', totpSecret: 'KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF' });
    expect(ledger.judge(changed, true).stop).toMatchObject({ code: 'HALTED', cause: 'ACCOUNT_BLOCKED', clears: 'resume' });
    expect(ledger.judge(changed, true).stops).toMatchObject({ password: { cause: 'ACCOUNT_BLOCKED' }, totp: { cause: 'ACCOUNT_BLOCKED' } });
  });

  it('3 passwords not accepted since the last accepted one stop the account until resume; the count starts again from it', async () => {
    const { ledger, prints } = await ledgerWith();
    for (let i = 0; i < 3; i += 1) {
      expect(ledger.judge(prints, true).stop).toBeUndefined();
      await send(ledger, prints, 'password', 'transient');
    }
    expect(ledger.judge(prints, true).stop).toMatchObject({ code: 'HALTED', factor: 'password', cause: 'ATTEMPT_BUDGET_SPENT', clears: 'resume' });
    // New credentials do not clear it: Kite's count is the account's, not the password's.
    expect(ledger.judge(await ledger.prints(account, { ...secrets, password: 'new' }), true).stop?.cause).toBe('ATTEMPT_BUDGET_SPENT');
    await ledger.recordResume(at, 'resume');
    expect(ledger.judge(prints, true)).toMatchObject({ stop: undefined, password: { left: 3 } });
  });

  it('an accepted password ends the count before it; a 503 before an accepted one costs nothing after', async () => {
    const { ledger, prints } = await ledgerWith();
    await send(ledger, prints, 'password', 'transient');
    await send(ledger, prints, 'password', 'transient');
    await send(ledger, prints, 'password', 'accepted');
    await send(ledger, prints, 'password', 'transient');
    expect(ledger.judge(prints, true)).toMatchObject({ stop: undefined, password: { left: 2 } });
  });

  it('TOTP: a second code after a failed one needs a later window and a measured clock; two stop the account', async () => {
    const { ledger, prints } = await ledgerWith();
    await send(ledger, prints, 'password', 'accepted');
    await send(ledger, prints, 'totp', 'rejected', DAY, 100);
    const verdict = ledger.judge(prints, true);
    expect(verdict.stop).toBeUndefined();
    expect(verdict.totp.failedWindow).toBe(100);
    expect(totpAllowed(verdict, 100, true)).toMatchObject({ ok: false });
    expect(totpAllowed(verdict, 101, false)).toMatchObject({ ok: false });
    expect(totpAllowed(verdict, 101, true)).toEqual({ ok: true });
    // An accepted password says nothing against the code, and nothing for it.
    await send(ledger, prints, 'password', 'accepted');
    expect(ledger.judge(prints, true).totp.failedWindow).toBe(100);
    await send(ledger, prints, 'totp', 'unknown', DAY, 101);
    expect(ledger.judge(prints, true).stop).toMatchObject({ code: 'HALTED', factor: 'totp', clears: 'resume' });
    expect(ledger.judge(prints, true).stops.password).toBeUndefined();
  });

  it('a 503 to a code counts toward the code\'s two; an accepted code ends the count', async () => {
    const { ledger, prints } = await ledgerWith();
    await send(ledger, prints, 'totp', 'transient', DAY, 100);
    expect(ledger.judge(prints, true).totp.left).toBe(1);
    await send(ledger, prints, 'totp', 'accepted', DAY, 101);
    expect(ledger.judge(prints, true)).toMatchObject({ stop: undefined, totp: { left: 2, failedWindow: undefined } });
  });

  it('a submission settled as not sent counts nowhere', async () => {
    const { ledger, prints } = await ledgerWith();
    for (let i = 0; i < 5; i += 1) await send(ledger, prints, 'password', 'not-sent');
    expect(ledger.judge(prints, true)).toMatchObject({ stop: undefined, password: { left: 3 } });
  });

  it('is a pure function of the records', () => {
    expect(judge({ records: [], prints: { password: 'a', totp: 'b' }, settled: true })).toMatchObject({ stop: undefined, password: { left: 3 }, totp: { left: 2 } });
  });
});

describe('the ledger file', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-ledger-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('is created 0600, appended line by line, and read back', async () => {
    const path = join(dir, 'state', 'ledger.jsonl');
    const { ledger, prints } = await ledgerWith(fileLedgerStore(path));
    await send(ledger, prints, 'password', 'accepted');
    const again = await AccountLedger.open(fileLedgerStore(path), account, at, { create: false }) as AccountLedger;
    expect(again.submissions()).toHaveLength(1);
    expect(again.submissions()[0]).toMatchObject({ factor: 'password', outcome: 'accepted' });
    const { mode } = await import('node:fs/promises').then((fs) => fs.stat(path));
    expect(mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('pw');
    expect(text.trim().split('\n')).toHaveLength(3);
  });

  it.each([
    ['garbage', 'not json at all\n', /line 1 .* is not JSON/],
    ['a torn last line', '{"v":1,"type":"header"', /incomplete/],
    ['an empty file', '', /empty/],
    ['a wrong record', '{"v":1,"type":"submit","id":"x"}\n', /not a valid submit record/],
  ])('refuses %s, names the file, and leaves it as it was', async (_name, content, message) => {
    const path = join(dir, 'ledger.jsonl');
    await writeFile(path, content);
    const error = await AccountLedger.open(fileLedgerStore(path), account, at, { create: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(path);
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('refuses a ledger of another account', async () => {
    const path = join(dir, 'ledger.jsonl');
    await ledgerWith(fileLedgerStore(path));
    await expect(AccountLedger.open(fileLedgerStore(path), { apiKey: 'app1', userId: 'ZZ9999' }, at, { create: true })).rejects.toThrow(/another account/);
  });

  it('refuses one it cannot read (a folder in its place)', async () => {
    const path = join(dir, 'ledger.jsonl');
    await import('node:fs/promises').then((fs) => fs.mkdir(path));
    await expect(AccountLedger.open(fileLedgerStore(path), account, at, { create: true })).rejects.toThrow(/cannot be read \(EISDIR\)/);
  });

  it('a submission that cannot be recorded is refused (nothing may be sent)', async () => {
    const store = memoryLedgerStore();
    const { ledger, prints } = await ledgerWith(store);
    store.append = () => Promise.reject(Object.assign(new Error('full'), { code: 'ENOSPC' }));
    await expect(send(ledger, prints, 'password', undefined)).rejects.toThrow(/could not be recorded, so it was not made \(ENOSPC\)/);
    expect(ledger.submissions()).toHaveLength(0);
  });

  it('an unwritable folder is named', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    await chmod(file, 0o600);
    await expect(AccountLedger.open(fileLedgerStore(join(file, 'ledger.jsonl')), account, at, { create: true })).rejects.toThrow(/cannot be read \(ENOTDIR\)/);
  });
});
