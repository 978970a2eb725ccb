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
  await page.evaluate(() => {
    for (const input of Array.from(document.querySelectorAll('input'))) {
      const secretish = input.type === 'password' || input.type === 'number' || input.type === 'tel' ||
        input.maxLength === 6 || input.hasAttribute('data-kite-autologin');
      if (!secretish) continue;
      input.value = '';
      input.removeAttribute('value');
    }
  }).catch(() => undefined);
  const write = async (path: string, content: string | Buffer): Promise<void> => {
    await writeFile(path, content, { mode: 0o600, flag: 'wx' });
    saved.push(path);
  };
  await page.screenshot({ timeout: 5_000 }).then((png) => write(`${stem}.png`, png)).catch(() => undefined);
  await page.content().then((html) => write(`${stem}.html`, html)).catch(() => undefined);
  return saved;
}
