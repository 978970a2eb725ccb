import type { AccountRecord } from '../account/record.js';
import { validateBase, type BaseConfig } from '../config/base-config.js';
import { validateAll } from '../config/load.js';
import type { RawConfig } from '../config/read.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { countedSubmissions } from '../ledger/attempt-rules.js';
import { forEachAccount } from '../wiring/each-account.js';
import { openAccounts } from '../wiring/open-accounts.js';
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
    const opened = await openAccounts({ env: ctx.env, cwd: ctx.cwd, account: values.account, config: validateBaseOrThrow });
    try {
      // Each account's stop is its own: clearing them all at once would let an account whose
      // cause is not fixed spend another of its five attempts.
      if (opened.fromFile && opened.entries.length > 1) {
        throw new UsageError(`resume: ACCOUNTS_FILE lists ${String(opened.entries.length)} accounts; name the one whose stop to clear with --account (${opened.entries.map((e) => e.configured.userId).join(', ')}).`);
      }
      return await forEachAccount(opened, { out: ctx.out }, async ({ record }, out) => {
        if (!record) throw new UsageError('resume: set KITE_API_KEY and KITE_USER_ID to name the account whose stop to clear.');
        return clearStops(record, out, ctx.signal);
      });
    } finally {
      await opened.close();
    }
  },
};

function validateBaseOrThrow(raw: RawConfig, cwd: string): BaseConfig {
  return validateAll<[BaseConfig]>(raw, cwd, validateBase)[0];
}

async function clearStops(record: AccountRecord, out: (line: string) => void, signal: AbortSignal): Promise<number> {
  return record.hold(async (held) => {
    const now = new Date();
    const ledger = await held.recordedLedger(now);
    await ledger?.settleOrphans(now);
    // Without the secrets every print is taken as today's: whatever could stop the account is cleared.
    const verdict = ledger?.judge(undefined, true);
    const counted = verdict ? countedSubmissions(verdict) : [];
    if (!ledger || !verdict || (verdict.stop === undefined && counted.length === 0)) {
      out(`Nothing to clear: ${record.account.userId} is not stopped.`);
      return ExitCode.OK;
    }
    await ledger.recordResume(now, 'resume');
    if (verdict.stop) out(`Cleared: the stop since ${verdict.stop.since} (${verdict.stop.cause}).`);
    for (const f of counted) out(`Cleared: ${f.factor} sent at ${f.at}, ${f.outcome}${f.code ? ` (${f.code})` : ''}.`);
    out(`Recorded in ${record.place}. The next run logs in again. Make sure the cause is fixed: five wrong attempts block the account.`);
    return ExitCode.OK;
  }, { waitMs: 30_000, signal });
}
