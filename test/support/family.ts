import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountsFileEntry, cliEnvFor, simAccounts, simApps, startSimulator, type SimAccount, type Simulator } from '@kite-autologin/simulator';
import { killLeftovers, spawnCli, TEST_MARK, type CliResult } from './kite-world.js';

/** Three users of one family on one app, listed in an ACCOUNTS_FILE (0600, plain values). */
export interface Family {
  sim: Simulator;
  users: SimAccount[];
  dir: string;
  env: Record<string, string>;
  tokenOf: (userId: string) => string;
  run: (args: string[], extra?: Record<string, string>) => Promise<CliResult>;
  close: () => Promise<void>;
}

export async function family(options: { wrongPasswordFor?: number } = {}): Promise<Family> {
  const users = simAccounts(3, 12);
  const [app] = simApps(1, 12, { authorizedUsers: users.map((u) => u.userId) });
  if (!app) throw new Error('no app');
  const sim = await startSimulator({ accounts: users, apps: [app] });
  const dir = await mkdtemp(join(tmpdir(), 'kal-acc-'));
  const entries = users.map((user, i) => ({
    ...accountsFileEntry(user, app),
    ...(i === options.wrongPasswordFor ? { password: `${user.password}-wrong` } : {}),
    ...(i === 1 ? { name: 'Mother' } : {}),
  }));
  // JSON is YAML.
  const accountsFile = join(dir, 'accounts.yaml');
  await writeFile(accountsFile, JSON.stringify({ accounts: entries }), { mode: 0o600 });
  const single = cliEnvFor(sim, users[0] as SimAccount, app, dir, { name: TEST_MARK, value: dir });
  const env = Object.fromEntries(Object.entries(single).filter(([name]) => !/^KITE_(?:API_KEY|API_SECRET|USER_ID|PASSWORD|TOTP_SECRET|REDIRECT_URL)$/.test(name)));
  env['ACCOUNTS_FILE'] = accountsFile;
  return {
    sim, users, dir, env,
    tokenOf: (userId) => join(dir, 'data', `${userId}.json`),
    run: (args, extra = {}) => spawnCli(args, { ...env, ...extra }, dir).result,
    close: async () => {
      killLeftovers(dir);
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const secretsOf = (users: SimAccount[]): string[] => users.flatMap((u) => [u.password, u.totpSecret]);
