import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadObserverConfig } from '../../src/config/index.js';
import { calendarFor } from '../../src/wiring/from-config.js';
import { ConfigError } from '../../src/errors/index.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-cal-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const calendarErrorFor = (holidaysFile: string): ConfigError => {
  const config = loadObserverConfig({ env: { HOLIDAYS_FILE: holidaysFile }, cwd: dir });
  try {
    calendarFor(config);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('HOLIDAYS_FILE', () => {
  it('that is not JSON is named with its path, and nothing of its content is quoted', async () => {
    const path = join(dir, 'holidays.json');
    await writeFile(path, 'CANARYTEXT {"holidays": PRIVATE-NOTE-9f3a');
    const error = calendarErrorFor(path);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.variable).toBe('HOLIDAYS_FILE');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/is not valid JSON/);
    for (const part of ['CANARY', 'PRIVATE', '9f3a', 'NOTE', '{"']) expect(error.message).not.toContain(part);
  });

  it('that is JSON without a holiday list, or missing, says so', async () => {
    const path = join(dir, 'holidays.json');
    await writeFile(path, '{"CANARYKEY": 1}');
    const wrong = calendarErrorFor(path);
    expect(wrong.message).toContain(path);
    expect(wrong.message).toMatch(/"holidays"/);
    expect(wrong.message).not.toContain('CANARYKEY');
    const missing = calendarErrorFor(join(dir, 'nope.json'));
    expect(missing.problems).toEqual([{ variable: 'HOLIDAYS_FILE', message: expect.stringMatching(/nope\.json.*ENOENT/) }]);
  });

  it('that is a good list is used', async () => {
    const path = join(dir, 'holidays.json');
    await writeFile(path, JSON.stringify({ holidays: { 2026: ['2026-03-03'] } }));
    const calendar = calendarFor(loadObserverConfig({ env: { HOLIDAYS_FILE: path }, cwd: dir }));
    expect(calendar.years).toEqual([2026]);
    expect(calendar.closedBecause('2026-03-03')).toBe('an exchange holiday');
    expect(calendar.isTradingDay('2026-03-04')).toBe(true);
  });
});
