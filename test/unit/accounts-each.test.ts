import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/config-error.js';
import { KiteRejectedError } from '../../src/errors/kite-rejected-error.js';
import { forEachAccount, inPool, limiter } from '../../src/wiring/each-account.js';
import type { ConfiguredAccount } from '../../src/wiring/configured-accounts.js';

const accounts = (ids: string[], fromFile = true): { fromFile: boolean; entries: { configured: ConfiguredAccount }[] } => ({
  fromFile, entries: ids.map((id) => ({ configured: { label: id, userId: id, place: `ACCOUNTS_FILE ${id}`, env: {} } })),
});

describe('forEachAccount', () => {
  it('runs every account even when some fail, names each failure, and exits with the most serious code', async () => {
    const lines: string[] = [];
    const ran: string[] = [];
    const code = await forEachAccount(accounts(['A1', 'B2', 'C3', 'D4']), { concurrency: 2, out: (l) => lines.push(l) }, async ({ configured: account }, out) => {
      await Promise.resolve();
      ran.push(account.label);
      if (account.label === 'A1') throw new ConfigError([{ variable: 'KITE_TOTP_SECRET', message: 'bad' }]);
      if (account.label === 'B2') throw new KiteRejectedError('CREDENTIALS_REJECTED', 'Kite rejected the user id or password.', { step: 'credentials' });
      if (account.label === 'C3') throw new Error('boom');
      out('ok');
      return 0;
    });
    expect(ran.sort()).toEqual(['A1', 'B2', 'C3', 'D4']);
    expect(code).toBe(3);
    expect(lines.some((l) => l.startsWith('[B2] kite-autologin: CREDENTIALS_REJECTED: '))).toBe(true);
    expect(lines).toContain('[C3] kite-autologin: unexpected error: boom');
    expect(lines.some((l) => l.startsWith('[A1] kite-autologin: CONFIG_INVALID'))).toBe(true);
    expect(lines).toContain('[D4] ok');
  });

  it('0 only when every account is fine; the single KITE_* account throws as before, unprefixed', async () => {
    const lines: string[] = [];
    expect(await forEachAccount(accounts(['A1', 'B2']), { out: (l) => lines.push(l) }, () => Promise.resolve(0))).toBe(0);
    await expect(forEachAccount(accounts(['A1'], false), { out: (l) => lines.push(l) }, () => Promise.reject(new ConfigError([{ variable: 'X', message: 'y' }]))))
      .rejects.toBeInstanceOf(ConfigError);
    const one: string[] = [];
    await forEachAccount(accounts(['A1'], false), { out: (l) => one.push(l) }, (_, out) => { out('plain'); return Promise.resolve(0); });
    expect(one).toEqual(['plain']);
  });
});

describe('inPool and limiter', () => {
  it('never run more than the limit at once, and run everything', async () => {
    let active = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const task = async (): Promise<number> => {
      active += 1; peak = Math.max(peak, active);
      await new Promise<void>((r) => releases.push(r));
      active -= 1;
      return 1;
    };
    const pool = inPool([1, 2, 3, 4, 5], 2, task);
    const gate = limiter(2);
    for (let i = 0; i < 20 && (releases.length > 0 || active > 0); i += 1) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    expect(await pool).toEqual([1, 1, 1, 1, 1]);
    expect(peak).toBe(2);

    active = 0; peak = 0;
    const gated = Promise.all([1, 2, 3].map(() => gate(task)));
    for (let i = 0; i < 20; i += 1) { await new Promise((r) => setImmediate(r)); releases.shift()?.(); }
    expect(await gated).toEqual([1, 1, 1]);
    expect(peak).toBe(2);
  });
});
