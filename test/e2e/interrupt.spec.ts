import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect, test } from '../support/fixtures.js';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} during a login closes the browser and leaves the token file intact`, async ({ kite }) => {
    const world = await kite();
    await mkdir(dirname(world.tokenFile), { recursive: true });
    await writeFile(world.tokenFile, '{"old":"token"}\n', { mode: 0o600 });
    // The login app's script hangs: the browser sits on the login page.
    world.sim.faults.routes['app-script'] = { latencyMs: 60_000 };
    const cli = world.spawn(['login', '--force']);
    await cli.waitForOutput(/browser started/);
    await expect.poll(() => world.sim.count('connect-login'), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    // The browser and its children (the renderer): all are found, and all must go.
    expect(world.browsers().length).toBeGreaterThan(1);
    cli.kill(signal);
    const result = await cli.result;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('ABORTED');
    await expect.poll(() => world.browsers(), { timeout: 5_000 }).toEqual([]);
    expect(await readFile(world.tokenFile, 'utf8')).toBe('{"old":"token"}\n');
  });
}
