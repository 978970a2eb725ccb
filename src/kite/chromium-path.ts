import { isExecutable as canRun } from '../disk/read.js';
import { BrowserError } from '../errors/index.js';

/**
 * Debian's old headless shell (package chromium-headless-shell): the same Chromium release
 * without the desktop browser around it; far lighter for a headless login (see the
 * benchmark). Tried first when no window is wanted.
 */
export const HEADLESS_SHELL_PATHS = [
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium-headless-shell',
] as const;

/** Where distributions and vendors put Chromium or Chrome, in the order they are tried. */
export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/lib/chromium/chromium',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
] as const;

export const CHROMIUM_INSTALL_HINT =
  'Install it with `sudo apt-get install -y chromium chromium-headless-shell` (Debian/Ubuntu; `npm run setup` does this), or point CHROMIUM_PATH at a Chromium or Chrome binary.';

export interface FindChromiumOptions {
  /** CHROMIUM_PATH, when set: used as given, and an error if it is not an executable file. */
  configured: string | undefined;
  /** Where Playwright's own downloaded browser would be; tried before system paths. */
  playwrightPath: string | undefined;
  /** A headless run may use the headless shell. Default true. */
  headless?: boolean;
  /** Default: the file exists and is executable. */
  isExecutable?: (path: string) => boolean;
}

const isExecutableFile = (path: string): boolean => canRun(path);

/** Pure choice of the browser binary; throws a BrowserError that says how to get one. */
export function findChromium({ configured, playwrightPath, headless = true, isExecutable = isExecutableFile }: FindChromiumOptions): string {
  if (configured !== undefined) {
    if (isExecutable(configured)) return configured;
    throw new BrowserError('CHROMIUM_NOT_FOUND', `CHROMIUM_PATH names ${configured}, which is not an executable file. ${CHROMIUM_INSTALL_HINT}`, { step: 'browser-launch' });
  }
  const candidates = [playwrightPath, ...(headless ? HEADLESS_SHELL_PATHS : []), ...SYSTEM_CHROMIUM_PATHS]
    .filter((p): p is string => typeof p === 'string' && p.length > 0);
  const found = candidates.find((p) => isExecutable(p));
  if (found) return found;
  throw new BrowserError('CHROMIUM_NOT_FOUND', `No Chromium found (looked in ${candidates.join(', ')}). ${CHROMIUM_INSTALL_HINT}`, { step: 'browser-launch' });
}
