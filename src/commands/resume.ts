import { validateBase, type BaseConfig } from '../config/base-config.js';
import { loadWithRaw } from '../config/load.js';
import type { RawConfig } from '../config/read.js';
import { observedAccount } from '../login/account-record.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { AccountLedger, type Account } from '../ledger/account-ledger.js';
import { countedSubmissions } from '../ledger/attempt-rules.js';
import { accountFiles } from '../login/account-files.js';
import { ledgerPlace, ledgerStoreFor, withAccountLockFor } from '../login/account-stores.js';
import { ledgerWitness } from '../login/ledger-witness.js';
import { refuseMovedToRedis } from '../login/moved-ledger.js';
import type { RedisClient } from '../redis/redis-client.js';
import { configuredAccounts, loadEach } from '../wiring/configured-accounts.js';
import { forEachAccount } from '../wiring/each-account.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Clear the stop left by a rejected or unanswered password or TOTP, once you have fixed it',
  usage: `Usage: kite-autologin resume [--account USER_ID]

When Kite rejects the user id or password, blocks the account, or a password was sent and
its answer never seen, or 3 passwords or 2 codes in a row were not accepted (rejected,
unanswered or answered 5xx), kite-autologin stops logging in for that account, across
restarts, so that it never spends the account's five attempts. Fix the cause first (the
credentials, or this machine's clock for a TOTP) and log in once by hand on kite.zerodha.com
(that resets Kite's own count), then run this. It is recorded in the account's attempt
ledger, and the counts start again from it. Changing the credentials also clears a stop
after a rejected or unanswered password.
With ACCOUNTS_FILE: --account is required when it lists more than one account (one
account's stop is cleared at a time).

Options:
  --account USER_ID
              only this account of ACCOUNTS_FILE (without ACCOUNTS_FILE: must be KITE_USER_ID)
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('resume', ctx.args, { account: { type: 'string' } });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const configured = await configuredAccounts({ env: ctx.env, cwd: ctx.cwd, account: values.account });
    // Each account's stop is its own: clearing them all at once would let an account whose
    // cause is not fixed spend another of its five attempts.
    if (configured.fromFile && configured.accounts.length > 1) {
      throw new UsageError(`resume: ACCOUNTS_FILE lists ${String(configured.accounts.length)} accounts; name the one whose stop to clear with --account (${configured.accounts.map((a) => a.userId).join(', ')}).`);
    }
    type Loaded = { values: [BaseConfig]; raw: RawConfig };
    const loaded = loadEach(configured, (account): Loaded => loadWithRaw<[BaseConfig]>({ env: account.env, cwd: ctx.cwd }, validateBase));
    const byAccount = new Map(configured.accounts.map((account, i) => [account, loaded[i] as Loaded]));
    return forEachAccount(configured, { out: ctx.out }, async (who, out) => {
      const { values: [config], raw } = byAccount.get(who) as Loaded;
      return resumeAccount(config, raw, out, ctx.signal);
    });
  },
};

async function resumeAccount(config: BaseConfig, raw: RawConfig, out: (line: string) => void, signal: AbortSignal): Promise<number> {
  const account = await observedAccount(raw, config.tokenFile);
  if (!account) throw new UsageError('resume: set KITE_API_KEY and KITE_USER_ID to name the account whose stop to clear.');
  if (config.redis === undefined) return clearStops(config, account, undefined, out, signal);
  // With REDIS_URL the account's ledger and lock are Redis's: the stop to clear is there.
  const { connectRedis } = await import('../login/login-redis.js');
  const redis = connectRedis(config.redis);
  try {
    return await clearStops(config, account, redis, out, signal);
  } finally {
    await redis.close();
  }
}

async function clearStops(config: BaseConfig, account: Account, redis: RedisClient | undefined, out: (line: string) => void, signal: AbortSignal): Promise<number> {
  return withAccountLockFor(config, account, redis, async () => {
    const now = new Date();
    const ledger = await AccountLedger.open(ledgerStoreFor(config, account, redis), account, now, { create: false });
    if (!ledger && !redis) await refuseMovedToRedis(accountFiles(config, account).ledger);
    if (!ledger && redis) await ledgerWitness(accountFiles(config, account).redisSeen, ledgerPlace(config, account, redis)).checkAbsent();
    await ledger?.settleOrphans(now);
    // Without the secrets every print is taken as today's: whatever could stop the account is cleared.
    const verdict = ledger?.judge(undefined, true);
    const counted = verdict ? countedSubmissions(verdict) : [];
    if (!ledger || !verdict || (verdict.stop === undefined && counted.length === 0)) {
      out(`Nothing to clear: ${account.userId} is not stopped.`);
      return ExitCode.OK;
    }
    await ledger.recordResume(now, 'resume');
    if (verdict.stop) out(`Cleared: the stop since ${verdict.stop.since} (${verdict.stop.cause}).`);
    for (const f of counted) out(`Cleared: ${f.factor} sent at ${f.at}, ${f.outcome}${f.code ? ` (${f.code})` : ''}.`);
    out(`Recorded in ${ledgerPlace(config, account, redis)}. The next run logs in again. Make sure the cause is fixed: five wrong attempts block the account.`);
    return ExitCode.OK;
  }, { waitMs: 30_000, signal });
}
