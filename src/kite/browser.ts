import { ensureFolder } from '../disk/write.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright';
import { BrowserError, ConfigError, describeUnexpected } from '../errors/index.js';
import { findChromium } from './chromium-path.js';
import { explainLaunchFailure } from './chromium-output.js';

export interface LaunchOptions {
  /** CHROMIUM_PATH, or undefined to look for one. */
  chromiumPath: string | undefined;
  /** `auto`: the sandbox is off only when running as root, where Chromium refuses it. */
  sandbox: 'auto' | 'on' | 'off';
  /** Show the window (debugging). Default false. */
  headed?: boolean;
  /** Bound on the launch itself. */
  timeoutMs: number;
}

/**
 * Features Playwright itself enables. Chromium keeps only the last --enable-features switch
 * and Playwright puts ours after its own, so ours must carry its list too (a unit test
 * checks this list against the installed Playwright). Its --disable-features list is left
 * alone for the same reason: it is what keeps Chromium from calling Google at start.
 */
export const PLAYWRIGHT_ENABLED_FEATURES = ['CDPScreenshotNewSurface', 'SkipListAccountsWithoutGaiaCookies'] as const;

/**
 * Flags for a browser on a closed network and a small VPS: no background connections (they
 * would be refused many at a time), no GPU (and its compositing in the browser process),
 * the network service in the browser process, no /dev/shm (small in containers), no images.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--in-process-gpu',
  `--enable-features=${[...PLAYWRIGHT_ENABLED_FEATURES, 'NetworkServiceInProcess2'].join(',')}`,
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--blink-settings=imagesEnabled=false',
  '--mute-audio',
];

export function resolveChromium(configured: string | undefined, headless = true): string {
  let playwrightPath: string | undefined;
  try {
    playwrightPath = chromium.executablePath();
  } catch {
    playwrightPath = undefined;
  }
  return findChromium({ configured, playwrightPath, headless });
}

/** The flags for this launch: the zygote can only be left out with the sandbox off. */
export function chromiumArgs(sandbox: boolean): string[] {
  return [...CHROMIUM_ARGS, ...(sandbox ? [] : ['--no-zygote'])];
}

/**
 * Chromium aborts at start ("Socket path too long") when its profile's SingletonSocket does
 * not fit a UNIX socket path (108 bytes); the profile is created in TMPDIR.
 */
export function checkProfileSocketPath(tempDir: string): void {
  const socket = join(tempDir, 'playwright_chromiumdev_profile-XXXXXX', 'SingletonSocket');
  if (Buffer.byteLength(socket) > 107) {
    throw new ConfigError([{
      variable: 'TMPDIR',
      message: `is too long (${Buffer.byteLength(tempDir)} bytes): Chromium's profile socket must fit in 108 bytes; use a folder of at most ${107 - (Buffer.byteLength(socket) - Buffer.byteLength(tempDir))} bytes, such as /tmp or /data/tmp`,
    }]);
  }
}

/**
 * The environment Chromium gets: what a browser needs to run and render, nothing else. The
 * process environment may hold KITE_PASSWORD and the other secrets, and a child's
 * environment is readable in /proc/PID/environ by anyone with the same uid.
 * KITE_AUTOLOGIN_TEST is a non-secret mark by which a supervisor (the test suite) finds its browsers.
 */
const BROWSER_ENV = /^(?:PATH|HOME|TMPDIR|TMP|TEMP|LANG|LANGUAGE|LC_[A-Z]+|TZ|DISPLAY|WAYLAND_DISPLAY|XAUTHORITY|XDG_[A-Z_]+|DBUS_SESSION_BUS_ADDRESS|FONTCONFIG_[A-Z_]+|CHROME_[A-Z_]+|KITE_AUTOLOGIN_TEST)$/;

export function browserEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && BROWSER_ENV.test(name)) out[name] = value;
  return out;
}

export function sandboxEnabled(sandbox: LaunchOptions['sandbox']): boolean {
  if (sandbox !== 'auto') return sandbox === 'on';
  return typeof process.getuid !== 'function' || process.getuid() !== 0;
}

/**
 * Starts Chromium. Signals are left to our own handlers (a login must be abandoned cleanly,
 * not cut), and Playwright still kills the browser if the process exits under it.
 */
export async function launchBrowser(options: LaunchOptions): Promise<Browser> {
  const executablePath = resolveChromium(options.chromiumPath, !options.headed);
  const sandbox = sandboxEnabled(options.sandbox);
  // The temporary profile goes to TMPDIR, which a container may point into its data volume.
  checkProfileSocketPath(tmpdir());
  await ensureFolder(tmpdir());
  try {
    return await chromium.launch({
      executablePath,
      headless: !options.headed,
      chromiumSandbox: sandbox,
      args: chromiumArgs(sandbox),
      timeout: options.timeoutMs,
      env: browserEnv(process.env),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    throw new BrowserError('BROWSER_FAILED', `Chromium (${executablePath}) did not start: ${describeUnexpected(error)}${explainLaunchFailure(error, sandbox)}`, { step: 'browser-launch' });
  }
}

/** A fresh, isolated context: no cookies or storage from an earlier attempt. */
export async function newLoginContext(browser: Browser, stepTimeoutMs: number): Promise<BrowserContext> {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    acceptDownloads: false,
    locale: 'en-IN',
    timezoneId: 'Asia/Kolkata',
    viewport: { width: 1100, height: 800 },
  });
  context.setDefaultTimeout(stepTimeoutMs);
  context.setDefaultNavigationTimeout(stepTimeoutMs);
  return context;
}

/** Closes the browser, bounded: a hung close must not hold the process (Playwright kills it on exit). */
export async function closeBrowser(browser: Browser, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    browser.close().catch(() => undefined),
    new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
  ]);
  clearTimeout(timer);
}
