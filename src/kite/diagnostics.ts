import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright';
import type { LoginStep } from '../errors/index.js';

/**
 * Saves a screenshot and the HTML of the page as it is, for a person to see what Kite
 * showed. Secrets are emptied from the page first (password, code fields); the files are
 * 0600 in a 0700 folder. Returns the paths written; a failure to save is never fatal.
 */
export async function saveDiagnostics(page: Page, dir: string, step: LoginStep, at: Date): Promise<string[]> {
  const saved: string[] = [];
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch {
    return saved;
  }
  const stem = join(dir, `${at.toISOString().replace(/[:.]/g, '-')}-${step}`);
  // Every frame, and in each every open shadow root: the code may sit in any of them.
  await Promise.all(page.frames().map((frame) => frame.evaluate(() => {
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
  }).catch(() => undefined)));
  const write = async (path: string, content: string | Buffer): Promise<void> => {
    await writeFile(path, content, { mode: 0o600, flag: 'wx' });
    saved.push(path);
  };
  await page.screenshot({ timeout: 5_000 }).then((png) => write(`${stem}.png`, png)).catch(() => undefined);
  await page.content().then((html) => write(`${stem}.html`, html)).catch(() => undefined);
  return saved;
}
