import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * `run --once` with ACCOUNTS_FILE, the command itself, with the login and the retry timer
 * replaced: which account's attempt runs when, and what waits for what.
 */
const world = vi.hoisted(() => ({
  /** User ids, in the order their attempts began. */
  attempts: [] as string[],
  inFlight: 0,
  peak: 0,
  /** Accounts whose first attempt meets a 503. */
  failOnce: new Set<string>(),
  /** The retry waits begun and not yet over; `wake()` ends them. */
  sleeping: [] as (() => void)[],
}));

vi.mock('../../src/login/login-under-ledger.js', async () => {
  const { KiteUnavailableError } = await import('../../src/errors/index.js');
  return {
    loginUnderLedger: async (config: { credentials: { userId: string } }) => {
      const { userId } = config.credentials;
      world.attempts.push(userId);
      world.inFlight += 1;
      world.peak = Math.max(world.peak, world.inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve)); // an attempt takes a while: overlaps would show
        if (world.failOnce.delete(userId)) throw new KiteUnavailableError('Kite answered 503.', { step: 'credentials' });
        return { kind: 'logged-in', token: { expires_at: '2099-01-01T06:00:00+05:30' } };
      } finally {
        world.inFlight -= 1;
      }
    },
  };
});
vi.mock('../../src/time/sleep.js', () => ({
  sleep: (_ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
    signal?.addEventListener('abort', () => { reject(new Error('aborted')); }, { once: true });
    world.sleeping.push(resolve);
  }),
}));

const { runCommand } = await import('../../src/commands/run.js');

const USERS = ['AB1234', 'CD5678', 'EF9012'];
const SECRETS = ['JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK'];

describe('run --once with several accounts', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-once-'));
    const accountsFile = join(dir, 'accounts.yaml');
    const entries = USERS.map((user_id, i) => ({
      user_id, password: 'p', totp_secret: SECRETS[i], api_key: 'k', api_secret: 's', redirect_url: 'http://127.0.0.1/cb',
    }));
    await writeFile(accountsFile, JSON.stringify({ accounts: entries }), { mode: 0o600 });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date());
    env = {
      HOME: dir, ACCOUNTS_FILE: accountsFile, TOKEN_FILE: join(dir, 'data', 'kite-token.json'), LOG_LEVEL: 'silent',
      CRON_SCHEDULE: '0 0 * * *', EXTRA_TRADING_DATES: today, RETRY_DEADLINE: '23:59', LOGIN_CONCURRENCY: '1',
    };
    world.attempts = [];
    world.inFlight = 0;
    world.peak = 0;
    world.failOnce = new Set();
    world.sleeping = [];
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('an account waiting to retry holds no login slot: the others log in meanwhile, still one login at a time', async () => {
    world.failOnce.add('AB1234');
    const lines: string[] = [];
    const run = runCommand.run({ args: ['--once'], env, cwd: dir, out: (line) => lines.push(line), signal: new AbortController().signal, interactive: false });
    try {
      // AB1234 met a 503 and waits to retry (its backoff); CD5678 and EF9012 take the slot in the meantime.
      await expect.poll(() => world.sleeping.length, { timeout: 10_000 }).toBe(1);
      await expect.poll(() => world.attempts, { timeout: 10_000 }).toEqual(['AB1234', 'CD5678', 'EF9012']);
      expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[CD5678\] Logged in \(attempt 1\)/), expect.stringMatching(/^\[EF9012\] Logged in \(attempt 1\)/)]));
    } finally {
      // Whatever the outcome above: end the wait, and let the command finish before its folder goes.
      for (const wake of world.sleeping.splice(0)) wake();
      await run.catch(() => undefined);
    }
    expect(await run).toBe(0);
    expect(world.attempts).toEqual(['AB1234', 'CD5678', 'EF9012', 'AB1234']);
    expect(lines).toContainEqual(expect.stringMatching(/^\[AB1234\] Logged in \(attempt 2\)/));
    expect(world.peak).toBe(1); // LOGIN_CONCURRENCY still bounds the attempts
  });
});
