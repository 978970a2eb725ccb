import { describe, expect, it } from 'vitest';
import { checkProfileSocketPath } from '../../src/kite/browser.js';
import { findChromium } from '../../src/kite/chromium-path.js';

describe('finding Chromium', () => {
  const only = (...present: string[]) => (path: string) => present.includes(path);

  it('uses CHROMIUM_PATH when set, and says so when it is wrong', () => {
    expect(findChromium({ configured: '/opt/chrome', playwrightPath: '/pw/chrome', isExecutable: only('/opt/chrome', '/pw/chrome') })).toBe('/opt/chrome');
    expect(() => findChromium({ configured: '/opt/none', playwrightPath: undefined, isExecutable: only('/usr/bin/chromium') }))
      .toThrow(/CHROMIUM_PATH names \/opt\/none/);
  });

  it('prefers Playwright\'s own browser, then the system paths in order', () => {
    expect(findChromium({ configured: undefined, playwrightPath: '/pw/chrome', isExecutable: only('/pw/chrome', '/usr/bin/chromium') })).toBe('/pw/chrome');
    expect(findChromium({ configured: undefined, playwrightPath: '/pw/chrome', isExecutable: only('/usr/bin/chromium', '/usr/bin/google-chrome') })).toBe('/usr/bin/chromium');
    expect(findChromium({ configured: undefined, playwrightPath: undefined, isExecutable: only('/usr/bin/google-chrome') })).toBe('/usr/bin/google-chrome');
  });

  it('with none, tells exactly how to get one (exit 2)', () => {
    let error: unknown;
    try { findChromium({ configured: undefined, playwrightPath: undefined, isExecutable: only() }); } catch (e) { error = e; }
    expect(error).toMatchObject({ code: 'CHROMIUM_NOT_FOUND', exitCode: 2 });
    expect((error as Error).message).toMatch(/apt-get install -y chromium/);
  });
});

describe('the temporary folder Chromium gets', () => {
  it('names TMPDIR when it is too long for Chromium\'s profile socket (Chromium would just abort)', () => {
    expect(() => checkProfileSocketPath('/data/tmp')).not.toThrow();
    let error: unknown;
    try { checkProfileSocketPath(`/srv/${'x'.repeat(80)}`); } catch (e) { error = e; }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2 });
    expect((error as Error).message).toMatch(/TMPDIR: is too long/);
  });
});
