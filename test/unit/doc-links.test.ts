import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every relative link in the README and docs/ leads somewhere: the file exists, and an
 * `#anchor` names a heading there (GitHub's slugs) or an explicit `<a id>`. Links to the web
 * are not followed (no network here).
 */

const DOCS = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f)), 'deploy/kubernetes/README.md'];

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
  for (const [, title] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (title as string).toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id as string);
  return anchors;
}

function links(file: string): string[] {
  return [...prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('links in the README and docs/', () => {
  it.each(DOCS)('%s: every relative link leads to a file, and every anchor to a heading', (file) => {
    const broken: string[] = [];
    for (const link of links(file)) {
      const [path, anchor] = link.split('#', 2) as [string, string | undefined];
      const target = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(target)) { broken.push(`${link}: no such file`); continue; }
      if (anchor !== undefined && !statSync(target).isDirectory() && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it('the check finds a broken link (it can fail)', () => {
    expect(anchorsOf('# Kite\'s pages, and what the flow does on each\n## A deploy hook: `ON_TOKEN_COMMAND`\n## A\n## A\n')).toEqual(
      new Set(['kites-pages-and-what-the-flow-does-on-each', 'a-deploy-hook-on_token_command', 'a', 'a-1']));
    expect(links('README.md').length).toBeGreaterThan(10);
  });

  it('the README stays short enough to read in one sitting; the rest is in docs/', () => {
    expect(readFileSync('README.md', 'utf8').split('\n').length).toBeLessThan(300);
    for (const page of ['deployment', 'several-accounts', 'tokens', 'postgresql', 'bad-morning', 'kite-pages', 'design', 'benchmark']) {
      expect(existsSync(`docs/${page}.md`), page).toBe(true);
      expect(links('README.md')).toContain(`docs/${page}.md`);
    }
  });

  it('the README names every error code', async () => {
    const { ERROR_CODES } = await import('../../src/errors/error-code.js');
    const readme = readFileSync('README.md', 'utf8');
    expect(ERROR_CODES.filter((code) => !readme.includes(`\`${code}\``))).toEqual([]);
  });
});
