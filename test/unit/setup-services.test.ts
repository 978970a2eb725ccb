import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `npm run setup` installs redis-server, PostgreSQL and prometheus (promtool) for the tests,
 * which start their own servers in temporary folders. On a VPS that runs this tool, setup must
 * leave none of them running as the system's service, nor enabled at boot. Under CI (a fresh
 * machine that has just run setup) this is checked for real; elsewhere the machine's own
 * services are its owner's business, and the test does not run.
 */

/** What each package's own service looks like in `ps`: its packaged config or data folder (the tests' servers use temporary folders). */
const SYSTEM_SERVICES: { unit: string; cmdline: RegExp }[] = [
  { unit: 'redis-server', cmdline: /redis-server.*(?:\/etc\/redis\/|:6379\b)/ },
  { unit: 'postgresql', cmdline: /postgres.*(?:-D|--config-file[= ])\s*\/(?:var\/lib|etc)\/postgresql\// },
  { unit: 'prometheus', cmdline: /^\/usr\/bin\/prometheus(?:\s|$)/ },
];

function commandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      // The process ended meanwhile.
    }
  }
  return lines;
}

describe.runIf(process.env['CI'])('after `npm run setup` on a fresh machine', () => {
  it('none of the packages installed for the tests runs as a system service', () => {
    const running = commandLines();
    for (const service of SYSTEM_SERVICES) expect(running.filter((line) => service.cmdline.test(line)), service.unit).toEqual([]);
  });

  it('none is enabled at boot (where systemd runs)', () => {
    if (!existsSync('/run/systemd/system')) {
      expect(existsSync('/run/systemd/system')).toBe(false);
      return;
    }
    for (const { unit } of SYSTEM_SERVICES) {
      const state = spawnSync('systemctl', ['is-enabled', unit], { encoding: 'utf8' }).stdout.trim();
      expect(['enabled', 'enabled-runtime'], `${unit} is ${state}`).not.toContain(state);
    }
  });

  it('the tests have what they start: redis-server, initdb, promtool', () => {
    expect(spawnSync('redis-server', ['--version']).status).toBe(0);
    expect(readdirSync('/usr/lib/postgresql').some((version) => existsSync(`/usr/lib/postgresql/${version}/bin/initdb`))).toBe(true);
    expect(spawnSync('promtool', ['--version']).status).toBe(0);
  });
});
