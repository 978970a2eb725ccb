import { createTask, parse, validateDetailed } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { cronProblems, cronSchedule, parsePlain, type CronSchedule } from '../../src/schedule/cron-schedule.js';
import { zonedInstant, zonedParts } from '../../src/schedule/zoned-time.js';

/**
 * cron-schedule.ts reads plain expressions itself (so that `status` and `health` need not
 * load node-cron); node-cron stays the authority, since the daemon fires with it. These
 * tests hold the two readings equal.
 */

/** node-cron's own reading: what cron-schedule.ts did for every expression before. */
function nodeCronSchedule(expression: string, timeZone: string): CronSchedule {
  const task = createTask(expression, () => undefined, { timezone: timeZone, name: 'kite-autologin-plan-test' });
  const fields = parse(expression);
  const timesOfDay = [...fields.hour].sort((a, b) => a - b)
    .flatMap((hour) => [...fields.minute].sort((a, b) => a - b).map((minute) => [hour, minute] as const));
  return { expression, timeZone, timesOfDay, matches: (instant) => task.match(instant) };
}

/** A small seeded generator: the same expressions every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIELDS = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]] as const;

/** Mostly plain tokens, some just outside a field's bounds, wrapping, or with odd steps. */
function expression(next: () => number): string {
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return FIELDS.map(([min, max]) => {
    const tokens = Array.from({ length: int(1, 3) }, () => {
      const a = int(min, max + 2);
      const b = int(min, max + 1);
      switch (int(0, 7)) {
        case 0: return '*';
        case 1: return `*/${int(0, 20)}`;
        case 2: return `${a}-${b}`;
        case 3: return `${Math.min(a, b)}-${Math.max(a, b)}/${int(1, 12)}`;
        case 4: return `${a}/${int(1, 5)}`;
        default: return String(int(min, max));
      }
    });
    return next() < 0.5 && tokens.length > 1 ? tokens.join(',') : (tokens[0] as string);
  }).join(' ');
}

const ZONES = ['Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'UTC'];

describe('plain cron expressions, read without node-cron', () => {
  it('are read only when node-cron finds them valid, and mean to the minute what they mean to node-cron', () => {
    const next = random(20261123);
    let plain = 0;
    for (let i = 0; i < 1200; i += 1) {
      const text = expression(next);
      const fields = parsePlain(text);
      const detailed = validateDetailed(text);
      if (!fields) continue;
      plain += 1;
      expect(detailed.valid, text).toBe(true);
      expect(cronProblems(text), text).toEqual([]);
      const zone = ZONES[i % ZONES.length] as string;
      const ours = cronSchedule(text, zone);
      const theirs = nodeCronSchedule(text, zone);
      expect(ours.timesOfDay, text).toEqual(theirs.timesOfDay);
      // Instants spread over two years, minute-aligned (as the planning asks), and some not.
      for (let k = 0; k < 60; k += 1) {
        const day = new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 730) * 86_400_000).toISOString().slice(0, 10);
        const [hour, minute] = ours.timesOfDay[Math.floor(next() * ours.timesOfDay.length)] ?? [0, 0];
        const instants = [
          zonedInstant(day, hour, minute, zone),
          new Date(zonedInstant(day, hour, minute, zone).getTime() + Math.floor(next() * 3) * 1000),
          zonedInstant(day, Math.floor(next() * 24), Math.floor(next() * 60), zone),
        ];
        for (const instant of instants) expect(ours.matches(instant), `${text} ${zone} ${instant.toISOString()}`).toBe(theirs.matches(instant));
      }
    }
    expect(plain).toBeGreaterThan(150);
  });

  it('leaves names, L, W, #, ?, wrapping ranges and mistakes to node-cron', () => {
    for (const text of ['0 9 * * MON-FRI', '0 9 L * *', '0 9 15W * *', '0 9 * * 1#2', '0 9 ? * *', '0 22-2 * * *', '0 9 * jan *', '61 7 * * *', '0 9 31 2 *', '5/10 * * * *', '0 9 * * */0']) {
      expect(parsePlain(text), text).toBeUndefined();
    }
    expect(cronProblems('0 9 * * MON-FRI')).toEqual([]);
    expect(cronProblems('61 7 * * *')).toEqual(['minute: 61 is a invalid expression for minute']);
    expect(cronProblems('0 9 31 2 *')[0]).toMatch(/impossible day of month/);
    expect(cronProblems('\t30 7 * * *')[0]).toMatch(/illegal characters/);
  });

  it('an expression node-cron reads is planned with node-cron', () => {
    const weekdays = cronSchedule('30 7 * * MON-FRI', 'Asia/Kolkata');
    expect(weekdays.timesOfDay).toEqual([[7, 30]]);
    expect(weekdays.matches(zonedInstant('2026-11-23', 7, 30, 'Asia/Kolkata'))).toBe(true); // Monday
    expect(weekdays.matches(zonedInstant('2026-11-22', 7, 30, 'Asia/Kolkata'))).toBe(false); // Sunday
  });
});

describe('zones with a fixed offset, read without Intl', () => {
  const intlParts = (instant: Date, timeZone: string) => {
    const f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    });
    const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
    return {
      year: Number(p['year']), month: Number(p['month']), day: Number(p['day']), hour: Number(p['hour']), minute: Number(p['minute']),
      second: Number(p['second']), weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p['weekday'] ?? ''),
    };
  };

  it('read as Intl reads them, from 1946 to 2100', () => {
    const next = random(7);
    const from = Date.UTC(1946, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    for (const zone of ['Asia/Kolkata', 'Asia/Calcutta', 'UTC', 'Etc/UTC']) {
      for (let i = 0; i < 2000; i += 1) {
        const instant = new Date(from + Math.floor(next() * (to - from)));
        expect(zonedParts(instant, zone), `${zone} ${instant.toISOString()}`).toEqual(intlParts(instant, zone));
      }
    }
  });

  it('before 1946, India is read with Intl (UTC+06:30 in 1943)', () => {
    const instant = new Date('1943-06-01T00:00:00Z');
    expect(zonedParts(instant, 'Asia/Kolkata')).toEqual(intlParts(instant, 'Asia/Kolkata'));
    expect(zonedParts(instant, 'Asia/Kolkata').hour).toBe(6);
  });
});
