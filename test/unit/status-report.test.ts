import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOf, gatherStatus } from '../../src/commands/status.js';
import { tokenCurrent } from '../../src/account/todays-token.js';
import { loadObserverConfig } from '../../src/config/load.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { accountFiles } from '../../src/account/files/account-files.js';
import { filesHome } from '../../src/account/files/files-home.js';
import { memoryHome } from '../../src/account/memory-home.js';
import { fileLedgerStore } from '../../src/account/files/ledger-file.js';
import { StateStore } from '../../src/account/files/state-file.js';
import { renderStatusJson, renderStatusText, type StatusReport } from '../../src/status/status-report.js';
import { buildSavedToken, TokenStore } from '../../src/token-store.js';

/** A morning as a running deployment leaves it: today's token, the daemon alive, one stop. */
const report: StatusReport = {
  tokenFile: '/data/kite-token.json',
  token: {
    state: 'saved', userId: 'AB1234', userName: 'Asha', apiKey: 'app1',
    loginTime: '2026-11-24T08:05:09+05:30', expiresAt: '2026-11-25T06:00:00+05:30', current: true,
  },
  valid: true,
  daemon: { pid: 42, startedAt: '2026-11-23T20:00:00.000Z', heartbeatAt: '2026-11-24T02:40:00.000Z' },
  lastAttempt: { at: '2026-11-24T02:35:09.000Z', day: '2026-11-24', trigger: 'scheduled', result: 'logged-in', attempts: 2, code: 'KITE_UNAVAILABLE', step: 'exchange' },
  account: { apiKey: 'app1', userId: 'AB1234' },
  ledgerFile: '/data/kite-autologin-AB1234-app1.ledger.jsonl',
  submissionsToday: [
    { at: '2026-11-24T02:30:01.000Z', factor: 'password', outcome: 'accepted', code: null, via: 'daemon' },
    { at: '2026-11-24T02:30:03.000Z', factor: 'totp', outcome: 'pending', code: null, via: 'login' },
  ],
  lastResume: '2026-11-20T03:00:00.000Z',
  stopped: { since: '2026-11-24T02:31:00.000Z', causes: ['totp rejected (TOTP_REJECTED)', 'totp rejected (TOTP_REJECTED)'], advice: 'Fix it, then run `kite-autologin resume --account AB1234`.' },
  counted: { password: 0, totp: 2 },
  hung: null,
  kiteClock: { offsetMs: 35_200, measuredAt: '2026-11-24T02:30:02.000Z' },
  nextRuns: ['2026-11-25T07:30:00+05:30', '2026-11-26T07:30:00+05:30', '2026-11-27T07:30:00+05:30'],
};

const quiet: StatusReport = {
  ...report,
  token: { state: 'missing' },
  valid: false,
  daemon: null,
  lastAttempt: null,
  account: null,
  ledgerFile: null,
  submissionsToday: [],
  lastResume: null,
  stopped: null,
  counted: { password: 0, totp: 0 },
  hung: null,
  kiteClock: null,
  nextRuns: [],
};

describe('status as text, one account', () => {
  it('shows the token, the daemon, the last attempt, today\'s submissions, the stop, Kite\'s clock and the next runs', () => {
    expect(renderStatusText([report])).toEqual([
      'Token file:   /data/kite-token.json',
      'User:         AB1234 (Asha)',
      'Login time:   2026-11-24T08:05:09+05:30',
      'Expires at:   2026-11-25T06:00:00+05:30',
      'Valid:        yes',
      'Daemon:       pid 42 since 2026-11-23T20:00:00.000Z, heartbeat 2026-11-24T02:40:00.000Z',
      'Last attempt: 2026-11-24T02:35:09.000Z (2026-11-24, scheduled): logged-in KITE_UNAVAILABLE at exchange, 2 attempt(s)',
      'Today (IST):  password at 02:30:01Z accepted via daemon; totp at 02:30:03Z no answer recorded (in progress, or unknown) via login',
      'Counted:      0 of 3 passwords and 2 of 2 codes not accepted since the last accepted one (Kite may count them as wrong)',
      'STOPPED:      since 2026-11-24T02:31:00.000Z after totp rejected (TOTP_REJECTED), totp rejected (TOTP_REJECTED). Fix it, then run `kite-autologin resume --account AB1234`.',
      'Kite\'s clock: this machine\'s clock is 35.2s behind Kite\'s (measured 2026-11-24T02:30:02.000Z)',
      'Next runs:    2026-11-25T07:30:00+05:30, 2026-11-26T07:30:00+05:30, 2026-11-27T07:30:00+05:30',
    ]);
  });

  it('says when there is no token, or it cannot be read, and leaves out what is not there', () => {
    expect(renderStatusText([quiet])).toEqual([
      'No valid token: no token file at /data/kite-token.json.',
      'Daemon:       not running',
      'Last attempt: none',
      'Today (IST):  nothing sent to Kite',
      'Next runs:    none in the next year',
    ]);
    expect(renderStatusText([{ ...quiet, token: { state: 'unreadable', reason: 'not JSON' } }])[0])
      .toBe('No valid token: /data/kite-token.json is unreadable (not JSON).');
  });

  it('says what Kite answered when it was asked (--check)', () => {
    const saved = report.token.state === 'saved' ? report.token : undefined;
    if (!saved) throw new Error('the fixture has a saved token');
    const asked = (kite: NonNullable<typeof saved.kite>, valid: boolean) => renderStatusText([{ ...report, valid, token: { ...saved, kite } }]).find((l) => l.startsWith('Valid:'));
    expect(asked({ accepts: true }, true)).toBe('Valid:        yes (Kite accepts it)');
    expect(asked({ accepts: false, reason: 'Kite no longer accepts the saved token' }, false))
      .toBe('Valid:        no (Kite does not accept it: Kite no longer accepts the saved token)');
  });
});

describe('status --json, one account', () => {
  it('prints one object with the keys scripts read, in their order', () => {
    expect(renderStatusJson([report])).toBe(
      '{"tokenFile":"/data/kite-token.json","userId":"AB1234","userName":"Asha","apiKey":"app1","loginTime":"2026-11-24T08:05:09+05:30",'
      + '"expiresAt":"2026-11-25T06:00:00+05:30","valid":true,'
      + '"daemon":{"pid":42,"startedAt":"2026-11-23T20:00:00.000Z","heartbeatAt":"2026-11-24T02:40:00.000Z"},'
      + '"lastAttempt":{"at":"2026-11-24T02:35:09.000Z","day":"2026-11-24","trigger":"scheduled","result":"logged-in","attempts":2,"code":"KITE_UNAVAILABLE","step":"exchange"},'
      + '"account":{"apiKey":"app1","userId":"AB1234"},"ledger":"/data/kite-autologin-AB1234-app1.ledger.jsonl",'
      + '"submissionsToday":[{"at":"2026-11-24T02:30:01.000Z","factor":"password","outcome":"accepted","code":null,"via":"daemon"},'
      + '{"at":"2026-11-24T02:30:03.000Z","factor":"totp","outcome":"pending","code":null,"via":"login"}],'
      + '"lastResume":"2026-11-20T03:00:00.000Z","stopped":{"since":"2026-11-24T02:31:00.000Z","causes":["totp rejected (TOTP_REJECTED)","totp rejected (TOTP_REJECTED)"],'
      + '"advice":"Fix it, then run `kite-autologin resume --account AB1234`."},"counted":{"password":0,"totp":2},"hung":null,'
      + '"kiteClock":{"offsetMs":35200,"measuredAt":"2026-11-24T02:30:02.000Z"},'
      + '"nextRuns":["2026-11-25T07:30:00+05:30","2026-11-26T07:30:00+05:30","2026-11-27T07:30:00+05:30"]}',
    );
  });

  it('puts Kite\'s answer right after valid, and names a missing or unreadable token file in `token`', () => {
    const saved = report.token.state === 'saved' ? report.token : undefined;
    if (!saved) throw new Error('the fixture has a saved token');
    const rejected = JSON.parse(renderStatusJson([{ ...report, valid: false, token: { ...saved, kite: { accepts: false, reason: 'Kite no longer accepts the saved token' } } }])) as Record<string, unknown>;
    expect(Object.keys(rejected).slice(6, 10)).toEqual(['valid', 'kiteAccepts', 'reason', 'daemon']);
    expect(rejected).toMatchObject({ valid: false, kiteAccepts: false, reason: 'Kite no longer accepts the saved token' });
    expect(renderStatusJson([quiet])).toBe(
      '{"tokenFile":"/data/kite-token.json","token":"none","valid":false,"daemon":null,"lastAttempt":null,"account":null,"ledger":null,'
      + '"submissionsToday":[],"lastResume":null,"stopped":null,"counted":{"password":0,"totp":0},"hung":null,"kiteClock":null,"nextRuns":[]}',
    );
    expect(JSON.parse(renderStatusJson([{ ...quiet, token: { state: 'unreadable', reason: 'missing access_token' } }]))).toMatchObject({ token: 'unreadable (missing access_token)' });
  });
});

describe('status of several accounts', () => {
  const other: StatusReport = { ...quiet, tokenFile: '/data/b-token.json', account: { apiKey: 'app1', userId: 'CD5678' }, nextRuns: report.nextRuns };

  it('JSON: {"accounts": [...]}, each account as it would print alone', () => {
    const both = JSON.parse(renderStatusJson([report, other])) as { accounts: unknown[] };
    expect(Object.keys(both)).toEqual(['accounts']);
    expect(both.accounts).toEqual([JSON.parse(renderStatusJson([report])), JSON.parse(renderStatusJson([other]))]);
  });

  it('text: one row per account under a header, columns aligned, then the next runs once', () => {
    const lines = renderStatusText([report, other]);
    expect(lines[0]).toMatch(/^Account\s+Token\s+Expires at\s+Last attempt\s+Stopped$/);
    expect(lines[1]).toMatch(/^AB1234 \(app1\)\s+valid\s+2026-11-25T06:00:00\+05:30\s+2026-11-24T02:35:09\.000Z logged-in KITE_UNAVAILABLE\s+since 2026-11-24T02:31:00\.000Z after totp rejected/);
    expect(lines[2]).toMatch(/^CD5678 \(app1\)\s+none\s+-\s+none\s+no$/);
    const column = (line: string | undefined) => line?.indexOf(line.includes('Token') ? 'Token' : line.includes('valid') ? 'valid' : 'none');
    expect(column(lines[1])).toBe(column(lines[0]));
    expect(column(lines[2])).toBe(column(lines[0]));
    expect(lines.filter((l) => l.startsWith('Next runs:'))).toEqual([`Next runs:    ${report.nextRuns.join(', ')}`]);
    expect(lines.some((l) => l.includes('kite-autologin resume'))).toBe(true);
  });
});

describe('gathering the report from the files', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-status-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const now = new Date('2026-11-24T03:00:00Z'); // Tuesday 08:30 IST
  const account = { apiKey: 'app1', userId: 'AB1234' };

  it('reads the token, the ledger and the state file; shows only today\'s (IST) submissions; asks Kite only when told to', async () => {
    const config = loadObserverConfig({ env: { TOKEN_FILE: join(dir, 'kite-token.json') }, cwd: dir, readFile: () => { throw Object.assign(new Error('none'), { code: 'ENOENT' }); } });
    await new TokenStore(config.tokenFile).write(buildSavedToken({
      accessToken: 'at-SECRET', publicToken: 'pt-SECRET', apiKey: 'app1', userId: 'AB1234', userName: 'Asha', userShortname: 'A', email: 'a@example.invalid',
      loginTime: new Date('2026-11-24T02:35:09Z'),
    }, now));
    const files = accountFiles(config, account);
    const ledger = await AccountLedger.open(fileLedgerStore(files.ledger), account, now, { create: true }) as AccountLedger;
    const yesterday = await ledger.recordSubmission({ factor: 'password', at: '2026-11-23T02:30:00.000Z', day: '2026-11-23', print: 'p', via: 'daemon', pid: 1 });
    await ledger.recordAnswer(yesterday, new Date('2026-11-23T02:30:01Z'), 'accepted');
    const id = await ledger.recordSubmission({ factor: 'password', at: '2026-11-24T02:30:00.000Z', day: '2026-11-24', print: 'p', via: 'daemon', pid: 1 });
    await ledger.recordAnswer(id, new Date('2026-11-24T02:30:01Z'), 'accepted');
    await new StateStore(files.state).update(() => ({ kiteClock: { offsetMs: -1200, measuredAt: '2026-11-24T02:30:01.000Z' } }));

    let asked = 0;
    const askKite = () => { asked += 1; return Promise.resolve({ accepts: false as const, reason: 'Kite no longer accepts the saved token' }); };
    const record = filesHome().record(account, config);
    const plain = await gatherStatus({ config, record, now });
    expect(plain).toMatchObject({
      valid: true,
      token: { state: 'saved', userId: 'AB1234', current: true, kite: undefined },
      account,
      ledgerFile: files.ledger,
      submissionsToday: [{ at: '2026-11-24T02:30:00.000Z', factor: 'password', outcome: 'accepted', code: null, via: 'daemon' }],
      stopped: null,
      kiteClock: { offsetMs: -1200 },
      nextRuns: ['2026-11-25T07:30:00+05:30', '2026-11-26T07:30:00+05:30', '2026-11-27T07:30:00+05:30'], // 07:30 today has passed
    });
    expect(asked).toBe(0);
    expect(JSON.stringify(plain)).not.toContain('SECRET');

    const checked = await gatherStatus({ config, record, now, askKite });
    expect(asked).toBe(1);
    expect(checked).toMatchObject({ valid: false, token: { current: true, kite: { accepts: false } } });

    // Tomorrow after 06:00 IST the token is dead: Kite is not asked about it.
    const later = await gatherStatus({ config, record, now: new Date('2026-11-25T01:00:00Z'), askKite });
    expect(asked).toBe(1);
    expect(later).toMatchObject({ valid: false, token: { current: false }, submissionsToday: [] });
  });

  it('shows the token the account\'s record keeps when it is the account\'s, current and newer than the file\'s (another host logged in), as login and health see it; writes nothing', async () => {
    const config = loadObserverConfig({ env: { TOKEN_FILE: join(dir, 'kite-token.json') }, cwd: dir, readFile: () => { throw Object.assign(new Error('none'), { code: 'ENOENT' }); } });
    const token = (accessToken: string, loginTime: string, userId = 'AB1234') => buildSavedToken({
      accessToken, publicToken: 'pt-SECRET', apiKey: 'app1', userId, userName: 'Asha', userShortname: 'A', email: 'a@example.invalid', loginTime: new Date(loginTime),
    }, now);
    const record = memoryHome().record(account, config);
    const keep = (saved: ReturnType<typeof token>) => record.hold((held) => held.saveToken(saved));

    // No token file here; the record keeps this morning's token: valid, and said to be the record's.
    await keep(token('at-RECORD-SECRET', '2026-11-24T02:40:00Z'));
    const fromRecord = await gatherStatus({ config, record, now });
    expect(fromRecord).toMatchObject({ valid: true, token: { state: 'saved', loginTime: '2026-11-24T08:10:00+05:30', current: true, keptIn: 'record' } });
    expect(renderStatusText([fromRecord]).join('\n')).toContain('does not hold it yet: this is the token kept in the account\'s record');
    expect(JSON.parse(renderStatusJson([fromRecord]))).toMatchObject({ keptIn: 'record', valid: true });
    await expect(new TokenStore(config.tokenFile).read()).resolves.toEqual({ state: 'missing' });
    // --check asks Kite about the record's token.
    const asked: string[] = [];
    const checked = await gatherStatus({ config, record, now, askKite: ({ kept }) => { asked.push(kept?.access_token ?? 'file'); return Promise.resolve({ accepts: true as const }); } });
    expect(asked).toEqual(['at-RECORD-SECRET']);
    expect(checked.valid).toBe(true);

    // The file's own token, newer: the file's, as before (no keptIn in the JSON).
    await new TokenStore(config.tokenFile).write(token('at-FILE-SECRET', '2026-11-24T02:50:00Z'));
    const fromFile = await gatherStatus({ config, record, now });
    expect(fromFile.token).toMatchObject({ loginTime: '2026-11-24T08:20:00+05:30' });
    expect(fromFile.token).not.toHaveProperty('keptIn');
    expect(JSON.parse(renderStatusJson([fromFile]))).not.toHaveProperty('keptIn');

    // Another user's token, or yesterday's, in the record: never shown as this account's.
    await keep(token('at-OTHER-SECRET', '2026-11-24T02:55:00Z', 'ZZ9999'));
    expect((await gatherStatus({ config, record, now })).token).toMatchObject({ loginTime: '2026-11-24T08:20:00+05:30' });
    expect(JSON.stringify(await gatherStatus({ config, record, now }))).not.toContain('SECRET');

    // A newer file token of another user is not this account's: the record's own is shown (as a login would take it).
    await new TokenStore(config.tokenFile).write(token('at-FILE2-SECRET', '2026-11-24T02:58:00Z', 'ZZ9999'));
    await keep(token('at-RECORD2-SECRET', '2026-11-24T02:45:00Z'));
    expect((await gatherStatus({ config, record, now })).token).toMatchObject({ userId: 'AB1234', keptIn: 'record' });
  });

  it('--check answers about the token shown: when the record\'s is shown and Kite accepts only the file\'s older one, not "accepts"', () => {
    const kept = buildSavedToken({ accessToken: 'at-K', publicToken: 'p', apiKey: 'app1', userId: 'AB1234', userName: 'A', userShortname: 'A', email: 'a@example.invalid', loginTime: new Date('2026-11-24T02:40:00Z') }, now);
    expect(checkOf({ valid: true, token: kept, from: 'file' }, kept)).toMatchObject({ accepts: false });
    expect(checkOf({ valid: true, token: kept, from: 'record' }, kept)).toEqual({ accepts: true });
    expect(checkOf({ valid: true, token: kept, from: 'file' }, undefined)).toEqual({ accepts: true });
    expect(checkOf({ valid: false, reason: 'Kite no longer accepts the saved token' }, kept)).toEqual({ accepts: false, reason: 'Kite no longer accepts the saved token' });
  });

  it('a record whose token cannot be read is said so (never "none"), and health counts only the account\'s own token in the record', async () => {
    const config = loadObserverConfig({ env: { TOKEN_FILE: join(dir, 'kite-token.json') }, cwd: dir, readFile: () => { throw Object.assign(new Error('none'), { code: 'ENOENT' }); } });
    const record = memoryHome().record(account, config);
    const unreadable = { ...record, readToken: () => Promise.resolve({ state: 'unreadable' as const, reason: 'the database could not be read (57P01)' }) };
    const report = await gatherStatus({ config, record: unreadable, now });
    expect(report).toMatchObject({ valid: false, recordTokenUnreadable: 'the database could not be read (57P01)' });
    expect(renderStatusText([report]).join('\n')).toContain('Record token: unreadable (the database could not be read (57P01)): no login starts until it answers');
    expect(JSON.parse(renderStatusJson([report]))).toMatchObject({ recordToken: 'unreadable (the database could not be read (57P01))' });

    const other = buildSavedToken({ accessToken: 'at-O', publicToken: 'p', apiKey: 'old-app', userId: 'AB1234', userName: 'A', userShortname: 'A', email: 'a@example.invalid', loginTime: new Date('2026-11-24T02:40:00Z') }, now);
    await record.hold((held) => held.saveToken(other));
    expect(await tokenCurrent(record, config.tokenFile, now)).toBe(false);
    const own = { ...other, api_key: 'app1' };
    await record.hold((held) => held.saveToken(own));
    expect(await tokenCurrent(record, config.tokenFile, now)).toBe(true);
  });
});
