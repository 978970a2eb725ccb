import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkProfileSocketPath, chromiumArgs, PLAYWRIGHT_ENABLED_FEATURES } from '../../src/kite/browser.js';
import { findChromium } from '../../src/kite/chromium-path.js';

describe('finding Chromium', () => {
  const only = (...present: string[]) => (path: string) => present.includes(path);

  it('uses CHROMIUM_PATH when set, and says so when it is wrong', () => {
    expect(findChromium({ configured: '/opt/chrome', playwrightPath: '/pw/chrome', isExecutable: only('/opt/chrome', '/pw/chrome') })).toBe('/opt/chrome');
    expect(() => findChromium({ configured: '/opt/none', playwrightPath: undefined, isExecutable: only('/usr/bin/chromium') }))
      .toThrow(/CHROMIUM_PATH names \/opt\/none/);
  });

  it('prefers the headless shell for a headless run, the full browser for a headed one', () => {
    const present = only('/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium');
    expect(findChromium({ configured: undefined, playwrightPath: undefined, isExecutable: present })).toBe('/usr/lib/chromium/chromium-headless-shell');
    expect(findChromium({ configured: undefined, playwrightPath: undefined, headless: false, isExecutable: present })).toBe('/usr/bin/chromium');
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

describe('Chromium flags', () => {
  it('carry every feature Playwright enables (Chromium keeps only the last --enable-features)', () => {
    const core = dirname(createRequire(import.meta.url).resolve('playwright-core/package.json'));
    const bundle = readFileSync(join(core, 'lib', 'coreBundle.js'), 'utf8');
    const list = /enabledFeatures = \(\) => \[([\s\S]*?)\]\.filter/.exec(bundle);
    expect(list, 'Playwright changed how it passes features: re-check CHROMIUM_ARGS').not.toBeNull();
    const theirs = [...(list?.[1] ?? '').matchAll(/"([A-Za-z0-9]+)"/g)].map((m) => m[1]);
    expect(theirs.length).toBeGreaterThan(0);
    expect([...PLAYWRIGHT_ENABLED_FEATURES]).toEqual(expect.arrayContaining(theirs));
    const ours = chromiumArgs(true).filter((a) => a.startsWith('--enable-features='));
    expect(ours).toHaveLength(1);
    for (const feature of theirs) expect(ours[0]).toContain(feature);
  });

  it('never replace Playwright\'s --disable-features list, and leave the zygote only with the sandbox off', () => {
    expect(chromiumArgs(false).some((a) => a.startsWith('--disable-features='))).toBe(false);
    expect(chromiumArgs(false)).toContain('--no-zygote');
    expect(chromiumArgs(true)).not.toContain('--no-zygote');
  });
});
