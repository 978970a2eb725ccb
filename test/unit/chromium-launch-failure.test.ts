import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../src/kite/browser.js';
import { chromiumOutput, sandboxFailed } from '../../src/kite/chromium-output.js';

/**
 * When Chromium cannot start, the error says why in Chromium's own words. The "browser" here is
 * a script that prints what Chromium prints in a container whose sandbox cannot start, then
 * exits: the real Playwright launch reports it.
 */

const ZYGOTE = '[1203/120000.000000:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox! Update your kernel or see https://chromium.googlesource.com/chromium/src/+/main/docs/linux/suid_sandbox_development.md';
const LIBRARY = 'chromium: error while loading shared libraries: libnss3.so: cannot open shared object file: No such file or directory';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-chromium-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

async function fakeChromium(lines: string[]): Promise<string> {
  const path = join(dir, 'chromium');
  await writeFile(path, `#!/bin/sh\n${lines.map((line) => `echo '${line}' >&2`).join('\n')}\nexit 1\n`);
  await chmod(path, 0o755);
  return path;
}

describe('Chromium that does not start', () => {
  it('shows the first lines Chromium printed, and suggests CHROMIUM_SANDBOX=off when its sandbox is the cause', async () => {
    const error = await launchBrowser({ chromiumPath: await fakeChromium([ZYGOTE]), sandbox: 'on', timeoutMs: 10_000 }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'BROWSER_FAILED' });
    const message = (error as Error).message;
    expect(message).toContain('No usable sandbox!');
    expect(message).toContain('CHROMIUM_SANDBOX=off');
    expect(message).not.toMatch(/\[pid=\d+\]/);
  });

  it('another cause (a missing library): its words, and no sandbox advice', async () => {
    const error = await launchBrowser({ chromiumPath: await fakeChromium([LIBRARY]), sandbox: 'on', timeoutMs: 10_000 }).then(() => undefined, (e: unknown) => e);
    const message = (error as Error).message;
    expect(message).toContain('libnss3.so');
    expect(message).not.toContain('CHROMIUM_SANDBOX');
  });

  it('keeps five lines at most, each bounded', () => {
    const many = Array.from({ length: 9 }, (_, i) => `[pid=7][err] line ${i} ${'x'.repeat(400)}`).join('\n');
    const lines = chromiumOutput(new Error(`browserType.launch: Target closed\nBrowser logs:\n${many}`));
    expect(lines).toHaveLength(5);
    expect(lines.every((line) => line.length <= 241)).toBe(true);
    // Playwright dims its call log and repeats the browser's lines there: each is shown once.
    expect(chromiumOutput(new Error('x\nBrowser logs:\n[pid=7][err] one\nCall log:\n\u001b[2m  - [pid=7][err] one\u001b[22m\n\u001b[2m  - [pid=7][err] two\u001b[22m'))).toEqual(['one', 'two']);
    expect(sandboxFailed(['Zygote could not fork'])).toBe(true);
    expect(sandboxFailed(['Failed to connect to the bus'])).toBe(false);
  });
});
