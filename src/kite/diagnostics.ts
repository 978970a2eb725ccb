import { ensureFolder, writeNew } from '../disk/write.js';
import { join } from 'node:path';
import type { Page } from 'playwright';
import type { LoginStep } from '../errors/index.js';
import { within } from './bounded.js';

/** Each part of the diagnostics is bounded: a page whose script locked up still gets its report written (what could be read). */
const PART_MS = 5_000;

/**
 * Saves a screenshot and the HTML of the page as it is, for a person to see what Kite
 * showed. Secrets are emptied from the page first (password, code fields); the files are
 * 0600 in a 0700 folder. Returns the paths written; a failure to save is never fatal.
 */
export async function saveDiagnostics(page: Page, dir: string, step: LoginStep, at: Date): Promise<string[]> {
  const saved: string[] = [];
  try {
    await ensureFolder(dir);
  } catch {
    return saved;
  }
  const stem = join(dir, `${at.toISOString().replace(/[:.]/g, '-')}-${step}`);
  // Every frame, and in each every open shadow root: the code may sit in any of them.
  const cleared = await Promise.all(page.frames().map((frame) => within(frame.evaluate(() => {
    const clear = (root: Document | ShadowRoot): void => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        if (el.shadowRoot) clear(el.shadowRoot);
        if (!(el instanceof HTMLInputElement)) continue;
        const secretish = el.type === 'password' || el.type === 'number' || el.type === 'tel' ||
          (el.maxLength > 0 && el.maxLength <= 8) || el.hasAttribute('data-kite-autologin');
        if (!secretish) continue;
        el.value = '';
        el.removeAttribute('value');
      }
    };
    clear(document);
  }), PART_MS, 'emptying secret fields').then(() => true, () => false)));
  const write = async (path: string, content: string | Buffer): Promise<void> => {
    await writeNew(path, content);
    saved.push(path);
  };
  // Only when every frame's secret fields were emptied: a frame that did not answer may still show a typed code.
  if (!cleared.every(Boolean)) return saved;
  await within(page.screenshot({ timeout: PART_MS }), PART_MS + 1_000, 'screenshot').then((png) => write(`${stem}.png`, png)).catch(() => undefined);
  await within(page.content(), PART_MS, 'page content').then((html) => write(`${stem}.html`, html)).catch(() => undefined);
  return saved;
}
