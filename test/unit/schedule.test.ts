import { describe, expect, it } from 'vitest';
import { buildCalendar, loadCalendarData } from '../../src/schedule/calendar.js';
import { cronProblems, cronSchedule } from '../../src/schedule/cron-schedule.js';
import { clockJump, decideCatchUp, deadlineOn, firesOnDay, nextRuns, scheduledTime } from '../../src/schedule/plan.js';
import { zonedInstant } from '../../src/schedule/zoned-time.js';
import { formatIst } from '../../src/time/ist.js';

const calendar = buildCalendar(loadCalendarData());
const schedule = cronSchedule('30 7 * * *', 'Asia/Kolkata');
const ist = (text: string): Date => new Date(`${text}+05:30`);

describe('trading calendar', () => {
  it('closes weekends and the 2026 NSE holidays shipped as data', () => {
    expect(calendar.isTradingDay('2026-11-23')).toBe(true); // Monday
    expect(calendar.closedBecause('2026-11-24')).toBe('an exchange holiday');
    expect(calendar.closedBecause('2026-11-21')).toBe('a Saturday');
    expect(calendar.closedBecause('2026-12-25')).toBe('an exchange holiday');
    expect(calendar.years).toContain(2026);
  });

  it('opens the Muhurat session on Sunday 8 November 2026', () => {
    expect(calendar.isTradingDay('2026-11-08')).toBe(true);
  });

  it('SKIP_DATES close more days; EXTRA_TRADING_DATES open closed ones', () => {
    const custom = buildCalendar(loadCalendarData(), { skip: ['2026-11-23'], extra: ['2026-11-21', '2026-11-24'] });
    expect(custom.closedBecause('2026-11-23')).toBe('listed in SKIP_DATES');
    expect(custom.isTradingDay('2026-11-21')).toBe(true);
    expect(custom.isTradingDay('2026-11-24')).toBe(true);
  });
});

describe('schedule', () => {
  it('fires at 07:30 IST, whatever the host timezone (tests run in UTC)', () => {
    expect(firesOnDay(schedule, '2026-11-23').map((d) => d.toISOString())).toEqual(['2026-11-23T02:00:00.000Z']);
  });

  it('the next runs skip weekends and holidays', () => {
    const runs = nextRuns(schedule, calendar, ist('2026-11-20T08:00:00'), 3).map(formatIst);
    expect(runs).toEqual(['2026-11-23T07:30:00+05:30', '2026-11-25T07:30:00+05:30', '2026-11-26T07:30:00+05:30']);
  });

  it('works in another timezone, across a DST change', () => {
    const ny = cronSchedule('0 8 * * *', 'America/New_York');
    expect(scheduledTime(ny, '2026-03-06')?.toISOString()).toBe('2026-03-06T13:00:00.000Z'); // EST
    expect(scheduledTime(ny, '2026-03-09')?.toISOString()).toBe('2026-03-09T12:00:00.000Z'); // EDT
    expect(zonedInstant('2026-11-01', 8, 0, 'America/New_York').toISOString()).toBe('2026-11-01T13:00:00.000Z');
  });

  it('names what is wrong with an expression', () => {
    expect(cronProblems('30 7 * * *')).toEqual([]);
    expect(cronProblems('61 7 * * *')[0]).toMatch(/minute/);
    expect(cronProblems('0 30 7 * * *')[0]).toMatch(/five fields/);
  });

  it('the deadline is a time of day in the schedule\'s zone', () => {
    expect(formatIst(deadlineOn('2026-11-23', { hour: 9, minute: 0 }, 'Asia/Kolkata'))).toBe('2026-11-23T09:00:00+05:30');
  });
});

describe('catch-up decision', () => {
  const base = { schedule, calendar, tokenValid: false, halted: false, today: undefined, running: false };

  it('runs at once when started after today\'s time with no valid token', () => {
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T08:10:00') })).toMatchObject({ run: true, day: '2026-11-23' });
  });

  it('waits for the schedule before today\'s time', () => {
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T07:29:00') })).toMatchObject({ run: false, reason: expect.stringMatching(/not come yet/) });
  });

  it('does nothing on a closed day, with a valid token, when stopped, or while running', () => {
    expect(decideCatchUp({ ...base, now: ist('2026-11-24T08:00:00') })).toMatchObject({ run: false, reason: expect.stringMatching(/holiday/) });
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T08:00:00'), tokenValid: true })).toMatchObject({ run: false });
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T08:00:00'), halted: true })).toMatchObject({ run: false, reason: expect.stringMatching(/rejected/) });
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T08:00:00'), running: true })).toMatchObject({ run: false });
  });

  it('never runs a finished morning twice because of a restart', () => {
    const today = { day: '2026-11-23', startedAt: '2026-11-23T02:00:00Z', finishedAt: '2026-11-23T02:20:00Z', interruptions: 0 };
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T10:00:00'), today })).toMatchObject({ run: false, reason: expect.stringMatching(/already happened/) });
    // Yesterday's record does not count for today.
    expect(decideCatchUp({ ...base, now: ist('2026-11-25T08:00:00'), today })).toMatchObject({ run: true });
  });

  it('a run cut short (process died) is started again, but not without end', () => {
    const cut = (interruptions: number) => ({ day: '2026-11-23', startedAt: '2026-11-23T02:00:00Z', interruptions });
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T08:00:00'), today: cut(0) })).toMatchObject({ run: true });
    expect(decideCatchUp({ ...base, now: ist('2026-11-23T08:00:00'), today: cut(2) })).toMatchObject({ run: false });
  });

  it('a UTC calendar day is not the IST one: 20:00 UTC Sunday is already Monday in India', () => {
    expect(decideCatchUp({ ...base, now: new Date('2026-11-22T20:00:00Z') })).toMatchObject({ run: false, reason: expect.stringMatching(/not come yet/) });
    expect(decideCatchUp({ ...base, now: new Date('2026-11-23T02:00:00Z') })).toMatchObject({ run: true, day: '2026-11-23' });
  });
});

describe('clock jumps', () => {
  it('a sleep or a clock set forward shows as the wall clock outrunning the monotonic one', () => {
    expect(clockJump({ wall: 0, mono: 0 }, { wall: 3_600_000, mono: 30_000 }, 60_000)).toEqual({ kind: 'forward', byMs: 3_570_000 });
  });

  it('a clock set backwards is noticed too', () => {
    expect(clockJump({ wall: 10_000_000, mono: 0 }, { wall: 8_000_000, mono: 30_000 }, 60_000)).toEqual({ kind: 'backward', byMs: 2_030_000 });
  });

  it('ordinary ticks and small NTP slews are not jumps', () => {
    expect(clockJump({ wall: 0, mono: 0 }, { wall: 30_010, mono: 30_000 }, 60_000)).toBeUndefined();
    expect(clockJump({ wall: 0, mono: 0 }, { wall: 75_000, mono: 30_000 }, 60_000)).toBeUndefined();
  });

  it('after a backward jump past today\'s time, a finished morning is not run again', () => {
    const today = { day: '2026-11-23', startedAt: '2026-11-23T02:00:00Z', finishedAt: '2026-11-23T02:01:00Z', interruptions: 0 };
    const afterJump = ist('2026-11-23T07:45:00');
    expect(decideCatchUp({ schedule, calendar, tokenValid: false, halted: false, running: false, today, now: afterJump })).toMatchObject({ run: false });
  });
});
