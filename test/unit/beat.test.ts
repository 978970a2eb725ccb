import { describe, expect, it } from 'vitest';
import { planBeat, type BeatInput } from '../../src/schedule/beat.js';
import { buildCalendar, loadCalendarData } from '../../src/schedule/calendar.js';
import { cronSchedule } from '../../src/schedule/cron-schedule.js';

const ist = (text: string): number => Date.parse(`${text}+05:30`);
const calendar = buildCalendar(loadCalendarData());
const schedule = cronSchedule('30 7 * * 1-5', 'Asia/Kolkata');
const MIN = 60_000;

/** A beat at `now`, the previous one `gap` earlier on both clocks (or a wall clock moved by `wallGap`). */
function beat(now: string, over: Partial<BeatInput> & { gap?: number; wallGap?: number } = {}) {
  const wall = ist(now);
  const { gap = 30_000, wallGap = gap, ...rest } = over;
  return planBeat({
    now: wall, monotonic: 1e9, previous: { wall: wall - wallGap, mono: 1e9 - gap },
    schedule, calendar, today: undefined, tokenValid: false, stopped: false, running: false,
    tickMs: 30_000, toleranceMs: MIN, ...rest,
  });
}

describe('planBeat: the daemon\'s one decision', () => {
  it('the first beat is the start: it catches up only when the morning is due and undone', () => {
    expect(beat('2026-11-23T08:00:00', { previous: undefined })).toMatchObject({ run: { trigger: 'start', day: '2026-11-23' } });
    expect(beat('2026-11-23T07:00:00', { previous: undefined })).toMatchObject({ skip: { trigger: 'start', reason: expect.stringMatching(/not come yet/) } });
    expect(beat('2026-11-23T08:00:00', { previous: undefined, tokenValid: true }).run).toBeUndefined();
    expect(beat('2026-11-23T08:00:00', { previous: undefined, stopped: true })).toMatchObject({ skip: { reason: expect.stringMatching(/rejected/) } });
  });

  it('a quiet beat neither runs nor says anything, and wakes at the next slot when it is nearer than a tick', () => {
    const quiet = beat('2026-11-23T07:29:50');
    expect(quiet.run).toBeUndefined();
    expect(quiet.skip).toBeUndefined();
    expect(quiet.missed).toEqual([]);
    expect(quiet.wakeInMs).toBe(10_000);
    expect(beat('2026-11-23T06:00:00').wakeInMs).toBe(30_000);
  });

  it('a slot on time runs even with a saved token or a stop (the morning checks both and says so)', () => {
    expect(beat('2026-11-23T07:30:00')).toMatchObject({ run: { trigger: 'scheduled' }, missed: [] });
    expect(beat('2026-11-23T07:30:20', { tokenValid: true, stopped: true })).toMatchObject({ run: { trigger: 'scheduled' } });
  });

  it('a slot on time is skipped on a closed day, while running, once the day is done, or after two cut-short runs', () => {
    expect(beat('2026-11-24T07:30:00')).toMatchObject({ skip: { trigger: 'scheduled', reason: '2026-11-24 is an exchange holiday' } });
    expect(beat('2026-11-23T07:30:00', { running: true })).toMatchObject({ skip: { reason: 'a run is in progress' } });
    const done = { day: '2026-11-23', startedAt: '', finishedAt: 'x', interruptions: 0 };
    expect(beat('2026-11-23T07:30:00', { today: done })).toMatchObject({ skip: { reason: expect.stringMatching(/already happened/) } });
    const cut = { day: '2026-11-23', startedAt: '', interruptions: 2 };
    expect(beat('2026-11-23T07:30:00', { today: cut })).toMatchObject({ skip: { reason: expect.stringMatching(/cut short 2 times/) } });
  });

  it('a slot seen late with both clocks in step (a blocked loop) is missed, said, and caught up', () => {
    const late = beat('2026-11-23T07:40:00', { gap: 11 * MIN });
    expect(late.jump).toBeUndefined();
    expect(late.missed).toEqual([new Date(ist('2026-11-23T07:30:00'))]);
    expect(late.run).toMatchObject({ trigger: 'missed', day: '2026-11-23' });
    expect(beat('2026-11-23T07:40:00', { gap: 11 * MIN, tokenValid: true })).toMatchObject({ skip: { trigger: 'missed' } });
  });

  it('a sleep: the wall clock moved ahead of the monotonic one; the jump is the trigger, the slots it hid are listed', () => {
    const woke = beat('2026-11-25T08:00:00', { gap: 30_000, wallGap: 2 * 24 * 60 * MIN + 60 * MIN });
    expect(woke.jump).toMatchObject({ kind: 'forward' });
    expect(woke.missed.map((d) => d.toISOString())).toEqual(['2026-11-23T02:00:00.000Z', '2026-11-25T02:00:00.000Z']);
    expect(woke.run).toMatchObject({ trigger: 'clock-jump', day: '2026-11-25' });
  });

  it('the clock going backwards: no slot counted, the mark moves back with it, and the catch-up rule decides', () => {
    const back = beat('2026-11-23T07:29:00', { gap: 30_000, wallGap: -40 * MIN });
    expect(back.jump).toMatchObject({ kind: 'backward' });
    expect(back.missed).toEqual([]);
    expect(back.mark.wall).toBe(ist('2026-11-23T07:29:00'));
    expect(back.skip).toMatchObject({ trigger: 'clock-jump', reason: expect.stringMatching(/not come yet/) });
    // ...and when the clock reaches the slot again, it is a slot like any other: the day record decides.
    const again = planBeat({
      now: ist('2026-11-23T07:30:00'), monotonic: 1e9 + 60_000, previous: back.mark, schedule, calendar,
      today: { day: '2026-11-23', startedAt: '', finishedAt: 'x', interruptions: 0 },
      tokenValid: true, stopped: false, running: false, tickMs: 30_000, toleranceMs: MIN,
    });
    expect(again.skip).toMatchObject({ trigger: 'scheduled', reason: expect.stringMatching(/already happened/) });
  });

  it('a machine asleep for weeks looks at the last days only, and still wakes on time', () => {
    const woke = beat('2026-12-21T08:00:00', { gap: 30_000, wallGap: 60 * 24 * 60 * MIN });
    expect(woke.missed.length).toBeGreaterThan(0);
    expect(woke.missed.length).toBeLessThanOrEqual(9);
    expect(woke.run).toMatchObject({ trigger: 'clock-jump', day: '2026-12-21' });
  });
});
