import { describe, expect, it } from 'vitest';
import { LockLostError, RefusedError, StateError } from '../../src/errors/index.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { memoryLedgerStore } from '../../src/ledger/ledger-store.js';
import { createLogger } from '../../src/logger.js';
import { ledgerGate } from '../../src/login/submission-gate.js';

const account = { apiKey: 'app1', userId: 'AB1234' };
const now = new Date('2026-11-23T02:00:00Z');

async function gateOver(store = memoryLedgerStore(), assertLockHeld: () => void = () => undefined) {
  const ledger = await AccountLedger.open(store, account, now, { create: true }) as AccountLedger;
  const prints = await ledger.prints(account, { password: 'pw', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
  return { ledger, gate: ledgerGate({ ledger, account, prints, assertLockHeld, via: 'test', now: () => now, logger: createLogger('silent') }) };
}

describe('the submission gate', () => {
  it('records the submission before it may be sent, and Kite\'s answer after', async () => {
    const { ledger, gate } = await gateOver();
    const ticket = await gate.open('password', { kiteNow: now.getTime(), clockMeasured: true });
    expect(ledger.submissions()).toEqual([expect.objectContaining({ factor: 'password', outcome: 'pending', via: 'test' })]);
    await ticket.settle('accepted', { status: 200 });
    expect(ledger.submissions()[0]).toMatchObject({ outcome: 'accepted', status: 200 });
  });

  it('refuses (nothing recorded, nothing sent) once the lock is lost', async () => {
    const { ledger, gate } = await gateOver(undefined, () => { throw new LockLostError('lost'); });
    await expect(gate.open('password', { kiteNow: now.getTime(), clockMeasured: true })).rejects.toBeInstanceOf(LockLostError);
    expect(ledger.submissions()).toHaveLength(0);
  });

  it('refuses when the submission cannot be recorded: the secret is not sent', async () => {
    const store = memoryLedgerStore();
    const { gate } = await gateOver(store);
    store.append = () => Promise.reject(Object.assign(new Error('full'), { code: 'ENOSPC' }));
    await expect(gate.open('password', { kiteNow: now.getTime(), clockMeasured: true })).rejects.toBeInstanceOf(StateError);
  });

  it('a rejection whose answer cannot be recorded is still the rejection (settle does not throw), and reads as unknown', async () => {
    const store = memoryLedgerStore();
    const { ledger, gate } = await gateOver(store);
    const ticket = await gate.open('password', { kiteNow: now.getTime(), clockMeasured: true });
    store.append = () => Promise.reject(Object.assign(new Error('full'), { code: 'ENOSPC' }));
    await expect(ticket.settle('rejected', { code: 'CREDENTIALS_REJECTED' })).resolves.toBeUndefined();
    const again = await AccountLedger.open(store, account, now, { create: false }) as AccountLedger;
    expect(again.judge(await again.prints(account, { password: 'pw', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }), true).stop?.code).toBe('HALTED');
    expect(ledger.path).toBe('memory:ledger');
  });

  it('refuses a second failed code from the same window, and any after a stop', async () => {
    const { gate } = await gateOver();
    const window = Math.floor(now.getTime() / 30_000);
    await (await gate.open('totp', { kiteNow: now.getTime(), window, clockMeasured: true })).settle('rejected', { code: 'TOTP_REJECTED' });
    expect(gate.totpWindowFloor()).toBe(window);
    await expect(gate.open('totp', { kiteNow: now.getTime(), window, clockMeasured: true })).rejects.toBeInstanceOf(RefusedError);
    await (await gate.open('totp', { kiteNow: now.getTime() + 30_000, window: window + 1, clockMeasured: true })).settle('rejected', { code: 'TOTP_REJECTED' });
    await expect(gate.open('totp', { kiteNow: now.getTime() + 60_000, window: window + 2, clockMeasured: true })).rejects.toThrow(/Stopped since/);
  });

  it('reads only the rules of the factor it is asked about: a stop on codes does not refuse a password at the gate', async () => {
    const { ledger, gate } = await gateOver();
    const window = Math.floor(now.getTime() / 30_000);
    await (await gate.open('totp', { kiteNow: now.getTime(), window, clockMeasured: true })).settle('rejected', { code: 'TOTP_REJECTED' });
    await (await gate.open('totp', { kiteNow: now.getTime(), window: window + 1, clockMeasured: true })).settle('rejected', { code: 'TOTP_REJECTED' });
    const password = await gate.open('password', { kiteNow: now.getTime(), clockMeasured: true });
    await password.settle('accepted', { status: 200 });
    // The login itself does not start while any stop holds (login-under-ledger reads `stop`).
    expect(ledger.judge(undefined, true).stop).toMatchObject({ factor: 'totp' });
  });

  it('a ticket closed as not sent counts nowhere', async () => {
    const { ledger, gate } = await gateOver();
    for (let i = 0; i < 4; i += 1) await (await gate.open('password', { kiteNow: now.getTime(), clockMeasured: true })).notSent();
    expect(ledger.submissions().map((s) => s.outcome)).toEqual(['not-sent', 'not-sent', 'not-sent', 'not-sent']);
    expect(ledger.judge(undefined, true).stop).toBeUndefined();
  });
});
