import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimAccount } from '@kite-autologin/simulator';
import { family } from '../support/family.js';
import { expect, test } from '../support/fixtures.js';
import { todayIsTradingEnv } from '../support/kite-world.js';

test('resume with several accounts names the one to clear: a bare resume is refused, and the alert says which --account', async () => {
  const f = await family({ wrongPasswordFor: 1 });
  try {
    const [, rejected] = f.users as [SimAccount, SimAccount, SimAccount];
    const first = await f.run(['run', '--once'], todayIsTradingEnv());
    expect(first.code).toBe(3);

    // A bare `resume` would clear every account's stop, the one still wrong included.
    const bare = await f.run(['resume']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--account/);
    for (const user of f.users) expect(bare.stderr).toContain(user.userId);
    const still = JSON.parse((await f.run(['status', '--json'])).stdout) as { accounts: { stopped: unknown }[] };
    expect(still.accounts[1]?.stopped).not.toBeNull();

    // What the stop says to run names the account.
    const again = await f.run(['run', '--once'], todayIsTradingEnv());
    expect(again.stdout + again.stderr).toContain(`kite-autologin resume --account ${rejected.userId}`);

    const named = await f.run(['resume', '--account', rejected.userId]);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toMatch(/Cleared: password sent at/);
  } finally {
    await f.close();
  }
});

test('one account whose ledger cannot be read does not hide the others from status and health: it is listed apart, exit 2', async () => {
  const f = await family();
  try {
    expect((await f.run(['login'])).code).toBe(0);
    const [a, , c] = f.users as [SimAccount, SimAccount, SimAccount];
    const ledger = (await readdir(join(f.dir, 'data'))).find((name) => name.includes(c.userId) && name.endsWith('.ledger.jsonl'));
    expect(ledger).toBeDefined();
    await writeFile(join(f.dir, 'data', ledger ?? ''), '{ damaged\n');

    const status = await f.run(['status', '--json']);
    expect(status.code).toBe(2);
    const report = JSON.parse(status.stdout) as { accounts: { valid: boolean }[]; unreadable: { userId: string; code: string }[] };
    expect(report.accounts.map((x) => x.valid)).toEqual([true, true]);
    expect(report.unreadable).toEqual([expect.objectContaining({ userId: c.userId, code: 'STATE_UNREADABLE' })]);
    const text = await f.run(['status']);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(a.userId);
    expect(text.stdout).toContain(`[${c.userId}] cannot be read: STATE_UNREADABLE`);

    const health = await f.run(['health']);
    expect(health.code).toBe(2);
    expect(health.stdout).toMatch(new RegExp(`\\[${c.userId}\\] unhealthy`));
    expect(health.stdout).toContain(`[${a.userId}]`);
    expect(health.stdout).toContain('[Mother]');
  } finally {
    await f.close();
  }
});
