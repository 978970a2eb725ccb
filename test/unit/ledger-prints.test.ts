import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Every scrypt call this file's ledgers make (the slow hash behind the prints). */
const calls = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (...args: Parameters<typeof crypto.scrypt>): void => {
    calls.count += 1;
    (crypto.scrypt as (...a: unknown[]) => void)(...args);
  };
  return { ...crypto, scrypt };
});

const { AccountLedger } = await import('../../src/ledger/account-ledger.js');
const { fileLedgerStore } = await import('../../src/account/files/ledger-file.js');

describe('ledger prints', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const account = { apiKey: 'pk123', userId: 'PR0001' };
  const secrets = { password: 'prints-pw-1', totpSecret: 'JBSWY3DPEHPK3PXP' };
  const fresh = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kal-prints-'));
    dirs.push(dir);
    return fileLedgerStore(join(dir, 'l.jsonl'));
  };

  it('the same ledger and credentials are hashed once per process (a daemon asks every beat); a change is hashed anew', async () => {
    const store = await fresh();
    const now = new Date();
    const first = await AccountLedger.open(store, account, now, { create: true });
    const before = calls.count;
    const a = await first?.prints(account, secrets);
    expect(calls.count - before).toBe(2);
    const again = await AccountLedger.open(store, account, now, { create: false });
    expect(await again?.prints(account, secrets)).toEqual(a);
    expect(calls.count - before).toBe(2);

    const changed = await again?.prints(account, { ...secrets, password: 'prints-pw-2' });
    expect(changed?.password).not.toBe(a?.password);
    expect(changed?.totp).toBe(a?.totp);
    expect(calls.count - before).toBe(3);

    // Another ledger has another salt: the same credentials give other prints.
    const other = await AccountLedger.open(await fresh(), account, now, { create: true });
    expect((await other?.prints(account, secrets))?.password).not.toBe(a?.password);
    expect(calls.count - before).toBe(5);
  });
});
