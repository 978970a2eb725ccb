import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../src/kite/kite-answer.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { memoryLedgerStore, type LedgerStore } from '../../src/ledger/ledger-store.js';
import type { AnswerKind, Factor } from '../../src/ledger/records.js';
import { createLogger } from '../../src/logger.js';
import { filesHome } from '../../src/account/files/files-home.js';
import { loginUnderLedger } from '../../src/login/login-under-ledger.js';
import { ledgerGate } from '../../src/login/submission-gate.js';
import { buildSavedToken, TokenStore } from '../../src/token-store.js';
import { testDaemonConfig } from '../support/daemon-config.js';

/*
 * Issue 16's findings, each as the smallest test that shows it. Each failed on the code
 * before the fix (the attempt ledger counted accepted passwords, read a rule before the saved
 * token, took a crash after sending for a transient answer, ...).
 */
const account = { apiKey: 'app1', userId: 'AB1234' };
const secrets = { password: 'pw', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };
const at = new Date('2026-11-23T02:00:00Z'); // 07:30 IST
const logger = createLogger('silent');

async function ledgerWith(store: LedgerStore = memoryLedgerStore()) {
  const ledger = await AccountLedger.open(store, account, at, { create: true }) as AccountLedger;
  const prints = await ledger.prints(account, secrets);
  const send = async (factor: Factor, outcome: AnswerKind, day = '2026-11-23', window?: number): Promise<void> => {
    const id = await ledger.recordSubmission({ factor, at: at.toISOString(), day, print: prints[factor], ...(window === undefined ? {} : { window }), via: 'test', pid: 1 });
    await ledger.recordAnswer(id, at, outcome);
  };
  return { ledger, prints, send, gate: ledgerGate({ ledger, account, prints, assertLockHeld: () => undefined, via: 'test', now: () => at, logger }) };
}

const kiteNow = at.getTime();
const window = Math.floor(kiteNow / 30_000);

describe('finding 1: an accepted password is not a wrong one', () => {
  it('the day\'s third and fourth logins (passwords accepted) may still send their code', async () => {
    const { send, gate } = await ledgerWith();
    for (let login = 0; login < 3; login += 1) {
      await send('password', 'accepted');
      await send('totp', 'accepted', '2026-11-23', window - 10 + login);
    }
    // A fourth login: its password, then its code.
    const password = await gate.open('password', { kiteNow, clockMeasured: true });
    await password.settle('accepted', { status: 200 });
    await expect(gate.open('totp', { kiteNow, window, clockMeasured: true })).resolves.toBeDefined();
  });

  it('the gate before the code reads the code\'s rules only: two 503s to the password this morning, then an accepted one', async () => {
    const { send, gate } = await ledgerWith();
    await send('password', 'transient');
    await send('password', 'transient');
    await send('password', 'accepted');
    await expect(gate.open('totp', { kiteNow, window, clockMeasured: true })).resolves.toBeDefined();
  });

  it('two dry runs (password and code accepted) cost nothing: a --force login after them goes through', async () => {
    const { ledger, prints, send } = await ledgerWith();
    for (let run = 0; run < 2; run += 1) {
      await send('password', 'accepted');
      await send('totp', 'accepted', '2026-11-23', window - 5 + run);
    }
    const verdict = ledger.judge(prints, true);
    expect(verdict.stop).toBeUndefined();
    expect(verdict.password.left).toBe(3);
    expect(verdict.totp.left).toBe(2);
  });

  it('Kite\'s count runs across midnight: three 503s to the password on three days add up to a stop', async () => {
    const { ledger, prints, send } = await ledgerWith();
    await send('password', 'transient', '2026-11-23');
    await send('password', 'transient', '2026-11-24');
    expect(ledger.judge(prints, true).stop).toBeUndefined();
    await send('password', 'transient', '2026-11-25');
    expect(ledger.judge(prints, true).stop).toMatchObject({ code: 'HALTED', factor: 'password', clears: 'resume' });
  });
});

describe('finding 2: a spent budget never hides a valid token', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-f2-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('login answers "still valid" while the account is stopped, and nothing is launched', async () => {
    const config = testDaemonConfig(dir);
    const record = filesHome().record(config.credentials, config);
    const { ledger, prints } = await record.hold((held) => held.openLedger(config.credentials, new Date()));
    const id = await ledger.recordSubmission({ factor: 'password', at: new Date().toISOString(), day: '2026-11-23', print: prints.password, via: 'test', pid: 1 });
    await ledger.recordAnswer(id, new Date(), 'rejected', { code: 'CREDENTIALS_REJECTED' });
    const token = buildSavedToken({
      accessToken: 'a'.repeat(32), publicToken: 'b'.repeat(16), apiKey: 'k', userId: 'AB1234', userName: 'T', userShortname: 'T', email: 't@example.com', loginTime: new Date(),
    }, new Date());
    await new TokenStore(config.tokenFile).write(token);
    const outcome = await loginUnderLedger(config, record, {}, {
      logger, via: 'test', lockWaitMs: 1_000,
      session: () => ({ exchange: () => Promise.reject(new Error('no exchange')), profile: () => Promise.resolve({ userId: 'AB1234', userName: 'T', email: 't@example.com' }) }),
      launch: () => Promise.reject(new Error('no browser may start')),
    });
    expect(outcome.kind).toBe('still-valid');
  });
});

describe('finding 3: a request that ended without an answer after the secret left is unknown, never transient', () => {
  it.each(['net::ERR_ABORTED', 'net::ERR_CONNECTION_RESET', 'the page went away'])('%s', (reason) => {
    expect(classifyAnswer({ kind: 'failed', reason }, 'password')).toMatchObject({ kind: 'unknown', error: { code: 'SUBMISSION_UNKNOWN', exitCode: 3 } });
  });
});

describe('finding 5: a record write that outlasts its bound and then lands is not an unanswered submission', () => {
  it('is settled as not sent under its own id: the next run is not stopped', async () => {
    const store = memoryLedgerStore();
    const { ledger, prints } = await ledgerWith(store);
    ledger.writeBoundMs = 50;
    const realAppend = store.append.bind(store);
    let landLate!: () => void;
    const landed = new Promise<void>((resolve) => { landLate = resolve; });
    // The disk is slow: the submission's line lands only after the bound (and after the write that settles it).
    store.append = (line: string) => {
      if (line.includes('"type":"submit"')) {
        return new Promise<void>((resolve) => {
          void landed.then(() => realAppend(line)).then(resolve);
        });
      }
      return realAppend(line);
    };
    const sending = ledger.recordSubmission({ factor: 'password', at: at.toISOString(), day: '2026-11-23', print: prints.password, via: 'test', pid: 1 });
    await expect(sending).rejects.toMatchObject({ code: 'STATE_UNREADABLE' });
    landLate();
    await landed;
    store.append = realAppend;
    const again = await AccountLedger.open(store, account, at, { create: false }) as AccountLedger;
    expect(again.submissions().map((s) => s.outcome)).toEqual(['not-sent']);
    expect(again.judge(prints, true).stop).toBeUndefined();
    expect(again.judge(prints, true).password.left).toBe(3);
  });
});

describe('finding 6: an answer whose body says the account is blocked is a block, whatever its status', () => {
  it.each([503, 500, 429, 403, 400])('HTTP %i', (status) => {
    const body = JSON.stringify({ status: 'error', message: 'Your account has been blocked after too many failed attempts.', error_type: 'UserException', data: null });
    expect(classifyAnswer({ kind: 'response', status, body }, 'password')).toMatchObject({ kind: 'blocked', error: { code: 'ACCOUNT_BLOCKED' } });
  });
});
