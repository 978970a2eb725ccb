/**
 * Why Chromium did not start, in its own words. Playwright's launch error carries what the
 * browser printed (`[pid=N][err] ...` lines) after a first line that only says the browser
 * closed; the first of those lines are what a person needs (a sandbox that cannot start in a
 * container, a missing library). Chromium is started with no secret in its arguments or its
 * environment, so its output holds none.
 */

/** How many of Chromium's own lines are shown, and how long each may be. */
const LINES = 5;
const WIDTH = 240;

/** Chromium's own output in a Playwright launch error: its first lines, without the pid prefix. */
export function chromiumOutput(error: unknown): string[] {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const lines: string[] = [];
  // The same lines come in "Browser logs" and again, dimmed, in the call log ("  - [pid=N][err] ...").
  for (const line of message.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').split('\n')) {
    const printed = /^\s*(?:- )?\[pid=\d+\]\[(?:err|out)\]\s?(.*)$/.exec(line)?.[1]?.trim();
    if (!printed) continue;
    const shown = printed.length > WIDTH ? `${printed.slice(0, WIDTH)}…` : printed;
    if (!lines.includes(shown)) lines.push(shown);
    if (lines.length === LINES) break;
  }
  return lines;
}

/** Chromium's sandbox could not start (no user namespaces, its zygote could not chroot): what only CHROMIUM_SANDBOX=off mends. */
export function sandboxFailed(lines: readonly string[]): boolean {
  return lines.some((line) => /zygote|no usable sandbox|sandbox.*(?:namespace|chroot|setuid)|(?:namespace|chroot).*sandbox|credentials\.cc|SUID sandbox/i.test(line));
}

/** The sentence to add to "Chromium did not start": its lines, and the fix when the sandbox is the cause. */
export function explainLaunchFailure(error: unknown, sandbox: boolean): string {
  const lines = chromiumOutput(error);
  if (lines.length === 0) return '';
  const said = ` Chromium printed:\n  ${lines.join('\n  ')}`;
  if (!sandbox || !sandboxFailed(lines)) return said;
  return `${said}\nIts sandbox could not start here (a container without user namespaces, or a kernel that refuses them): set CHROMIUM_SANDBOX=off, and let the container be the sandbox (non-root, read-only, all capabilities dropped).`;
}
