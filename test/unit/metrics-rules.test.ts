import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The example rules file, checked by Prometheus' own tool (Debian's `prometheus` package ships
 * /usr/bin/promtool). Under CI a missing promtool fails these tests; elsewhere they are skipped, saying why.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RULES = join(ROOT, 'deploy/prometheus');
const PROMTOOL = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), '/usr/bin'].map((folder) => join(folder, 'promtool')).find((path) => existsSync(path));
const MISSING = 'promtool is not installed (Debian: apt-get install prometheus); the rules file is not checked';

const promtool = (args: string[], cwd = RULES): { status: number | null; output: string } => {
  if (PROMTOOL === undefined) throw new Error(`${MISSING} (CI: this is a failure, not a skip)`);
  const run = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

describe('deploy/prometheus/kite-autologin.rules.yml', () => {
  it('is valid for promtool check rules', (ctx) => {
    if (PROMTOOL === undefined && !process.env['CI']) ctx.skip(MISSING);
    const { status, output } = promtool(['check', 'rules', 'kite-autologin.rules.yml']);
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS: 5 rules found');
  });

  it('fires when it should on made-up series: no token by 09:00 IST on a weekday (not before, not after the close, not on a Saturday), a stop, the daemon down or absent', (ctx) => {
    if (PROMTOOL === undefined && !process.env['CI']) ctx.skip(MISSING);
    const { status, output } = promtool(['test', 'rules', 'kite-autologin.rules.test.yml']);
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });
});

describe('docs/tokens.md: Prometheus metrics', () => {
  it('shows a scrape configuration that promtool accepts, with the rules file beside it', (ctx) => {
    if (PROMTOOL === undefined && !process.env['CI']) ctx.skip(MISSING);
    const doc = readFileSync(join(ROOT, 'docs/tokens.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Prometheus metrics'));
    const config = [...section.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? '').find((block) => block.includes('scrape_configs:'));
    expect(config, 'a yaml block with scrape_configs').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'kal-prom-'));
    try {
      writeFileSync(join(dir, 'prometheus.yml'), config ?? '');
      copyFileSync(join(RULES, 'kite-autologin.rules.yml'), join(dir, 'kite-autologin.rules.yml'));
      const { status, output } = promtool(['check', 'config', 'prometheus.yml'], dir);
      expect(status, output).toBe(0);
      expect(output).toContain('SUCCESS: 1 rule files found');
      // The job the rules' KiteAutologinDown and KiteAutologinAbsent look for.
      expect(config).toContain('job_name: kite-autologin');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
