import { describe, expect, it } from 'vitest';
import type { MorningRecord } from '../../src/account/record.js';
import { BrowserError, KiteRejectedError, LockedError, RefusedError } from '../../src/errors/index.js';
import { keepManualAttempt } from '../../src/login/manual-attempt.js';
import type { LoginOutcome } from '../../src/login/login-once.js';
import type { AutologinState } from '../../src/state/autologin-state.js';

/** A morning record in memory; `broken` makes every write fail. */
function memoryMorning(broken = false): MorningRecord & { state: AutologinState } {
  const record = {
    place: 'memory',
    state: {} as AutologinState,
    read: () => Promise.resolve(record.state),
    update: (change: (s: AutologinState) => AutologinState | undefined) => {
      if (broken) return Promise.reject(new Error('disk full'));
      record.state = change(record.state) ?? record.state;
      return Promise.resolve(record.state);
    },
  };
  return record;
}

const now = () => new Date('2026-12-03T02:00:00.000Z'); // 07:30 IST
const token = { user_id: 'AB1234', expires_at: '2026-12-04T06:00:00+05:30' } as unknown as Extract<LoginOutcome, { kind: 'logged-in' }>['token'];

describe('a login run by hand is kept as the last attempt', () => {
  it('a failure: its code, step and message, the error passed through unchanged', async () => {
    const morning = memoryMorning();
    const error = new KiteRejectedError('CREDENTIALS_REJECTED', 'Invalid username or password.', { step: 'credentials' });
    await expect(keepManualAttempt(() => Promise.reject(error), { morning, trigger: 'login', now })).rejects.toBe(error);
    expect(morning.state.lastAttempt).toEqual({
      at: '2026-12-03T02:00:00.000Z', day: '2026-12-03', trigger: 'login', result: 'failed', attempts: 1,
      code: 'CREDENTIALS_REJECTED', step: 'credentials', message: error.message,
    });
  });

  it('a refusal of a stopped account leaves the last attempt alone (the stop, with its cause, is what status shows)', async () => {
    const morning = memoryMorning();
    await expect(keepManualAttempt(() => Promise.reject(new RefusedError('HALTED', 'stopped')), { morning, trigger: 'login', now })).rejects.toThrow('stopped');
    expect(morning.state.lastAttempt).toBeUndefined();
  });

  it('a new token and a kept one are kept as such; a dry run leaves the last real attempt alone', async () => {
    const morning = memoryMorning();
    await keepManualAttempt(() => Promise.resolve({ kind: 'logged-in', token } as LoginOutcome), { morning, trigger: 'login', now });
    expect(morning.state.lastAttempt).toMatchObject({ result: 'logged-in', trigger: 'login' });
    await keepManualAttempt(() => Promise.resolve({ kind: 'still-valid', token } as LoginOutcome), { morning, trigger: 'login', now });
    expect(morning.state.lastAttempt).toMatchObject({ result: 'still-valid' });
    const before = morning.state.lastAttempt;
    await keepManualAttempt(() => Promise.resolve({ kind: 'dry-run' } as LoginOutcome), { morning, trigger: 'login --dry-run', now });
    expect(morning.state.lastAttempt).toBe(before);
  });

  it('a login that waited on another (the daemon\'s) and gave up keeps that login\'s end, not its own', async () => {
    const morning = memoryMorning();
    await keepManualAttempt(() => Promise.resolve({ kind: 'logged-in', token } as LoginOutcome), { morning, trigger: 'scheduled', now });
    const daemons = morning.state.lastAttempt;
    await expect(keepManualAttempt(() => Promise.reject(new LockedError('the daemon is logging in')), { morning, trigger: 'login', now })).rejects.toThrow('daemon');
    expect(morning.state.lastAttempt).toBe(daemons);
  });

  it('a record that cannot be written is told, and never hides the login\'s own error', async () => {
    const told: unknown[] = [];
    const error = new BrowserError('BROWSER_FAILED', 'renderer gone');
    await expect(keepManualAttempt(() => Promise.reject(error), { morning: memoryMorning(true), trigger: 'login', now, onRecordError: (e) => told.push(e) })).rejects.toBe(error);
    expect(told).toEqual([expect.objectContaining({ message: 'disk full' })]);
  });
});
