import { describe, expect, it } from 'vitest';
import { assessHealth, type HealthInput } from '../../src/status/health-report.js';
import { buildCalendar, loadCalendarData } from '../../src/schedule/calendar.js';

const now = new Date('2026-11-23T04:00:00Z'); // Monday 09:30 IST, past the 09:00 deadline
const input = (over: Partial<HealthInput> = {}): HealthInput => ({
  now,
  state: { daemon: { pid: 42, hostname: 'box', startedAt: '2026-11-22T00:00:00Z', heartbeatAt: new Date(now.getTime() - 20_000).toISOString() } },
  stop: undefined,
  tokenValid: true,
  calendar: buildCalendar(loadCalendarData()),
  schedule: { cron: '30 7 * * *', timeZone: 'Asia/Kolkata', skipDates: [], extraDates: [], deadline: { hour: 9, minute: 0 }, holidaysFile: undefined, backoffBaseMs: 10_000 },
  hostname: 'box',
  pidAlive: () => true,
  ...over,
});

describe('health', () => {
  it('is healthy with a live daemon and a valid token', () => {
    expect(assessHealth(input())).toMatchObject({ healthy: true, problems: [] });
  });

  it('is unhealthy when the daemon is gone, stale, or its pid is dead', () => {
    expect(assessHealth(input({ state: {} })).healthy).toBe(false);
    expect(assessHealth(input({ state: { daemon: { pid: 42, hostname: 'box', startedAt: '', heartbeatAt: new Date(now.getTime() - 600_000).toISOString() } } })).problems[0]).toMatch(/600s old/);
    expect(assessHealth(input({ pidAlive: () => false })).problems[0]).toMatch(/pid 42/);
  });

  it('wants a token on a trading day after the deadline, not before, not on a holiday', () => {
    expect(assessHealth(input({ tokenValid: false })).problems[0]).toMatch(/no valid token/);
    expect(assessHealth(input({ tokenValid: false, now: new Date('2026-11-23T02:10:00Z') })).healthy).toBe(true); // 07:40 IST
    const holiday = new Date('2026-11-24T06:00:00Z');
    expect(assessHealth(input({ tokenValid: false, now: holiday, state: { daemon: { pid: 42, hostname: 'box', startedAt: '', heartbeatAt: holiday.toISOString() } } })).healthy).toBe(true);
  });

  it('is unhealthy while stopped after a rejection', () => {
    expect(assessHealth(input({ stop: { at: '2026-11-23T02:00:00Z', code: 'CREDENTIALS_REJECTED' } })).problems[0]).toMatch(/CREDENTIALS_REJECTED/);
  });
});
