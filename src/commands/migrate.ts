import { fileLedgerOf, moveLedgerAside } from '../account/files/move-aside.js';
import { filesHome } from '../account/files/files-home.js';
import type { AccountRecord, RecordHome } from '../account/record.js';
import { validateBase, type BaseConfig } from '../config/base-config.js';
import { validateAll } from '../config/load.js';
import type { RawConfig } from '../config/read.js';
import { ConfigError, ExitCode, UsageError } from '../errors/index.js';
import { forEachAccount } from '../wiring/each-account.js';
import { openAccounts } from '../wiring/open-accounts.js';
import type { Command } from './context.js';
import { parseCommandArgs } from './parse-args.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Move this host\'s file ledgers into the database (DATABASE_URL), stops and counts included',
  usage: `Usage: kite-autologin migrate [--account USER_ID]

For hosts that move from files (STATE_DIR) to PostgreSQL (DATABASE_URL): carries each
account's attempt ledger from this host's STATE_DIR into the database, whole: every
submission, answer, stop (a blocked account stays blocked) and what counts against the
account, exactly as the file held it. The file is then renamed *.moved-to-database, and
STATE_DIR remembers the database: a later command there without DATABASE_URL is refused.
An account the database already keeps a ledger for is left as it is (nothing is merged);
migrate reports it. Run it with no login running for these accounts.

Options:
  --account USER_ID
              only this account of ACCOUNTS_FILE (without ACCOUNTS_FILE: must be KITE_USER_ID)
  -h, --help  this help`,

  async run(ctx) {
    const { values } = parseCommandArgs('migrate', ctx.args, { account: { type: 'string' } });
    if (values.help) return ctx.out(this.usage), ExitCode.OK;
    const opened = await openAccounts({ env: ctx.env, cwd: ctx.cwd, account: values.account, config: baseConfig, use: 'migrate' });
    try {
      if (opened.home.kind !== 'postgres' || !opened.home.importLedger) {
        throw new ConfigError([{ variable: 'DATABASE_URL', message: 'is not set: `migrate` moves this host\'s file ledgers into the database it names (postgres://user:password@host:5432/database, or DATABASE_URL_FILE)' }]);
      }
      const home = opened.home;
      return await forEachAccount(opened, { out: ctx.out }, async ({ config, record }, out) => {
        if (!record) throw new UsageError('migrate: set KITE_API_KEY and KITE_USER_ID to name the account whose ledger to move.');
        return migrateOne(home, record, config, out, ctx.signal);
      });
    } finally {
      await opened.close();
    }
  },
};

function baseConfig(raw: RawConfig, cwd: string): BaseConfig {
  return validateAll<[BaseConfig]>(raw, cwd, validateBase)[0];
}

/** One account: under both holds (this host's file lock, the database's), so no login writes meanwhile. */
async function migrateOne(home: RecordHome, record: AccountRecord, config: BaseConfig, out: (line: string) => void, signal: AbortSignal): Promise<number> {
  const where = { tokenFile: config.tokenFile, stateDir: config.stateDir };
  const files = filesHome().record(record.account, where);
  return files.hold(() => record.hold(async () => {
    const file = await fileLedgerOf(record.account, where);
    if (file.text === undefined) {
      out(`Nothing to move: this host keeps no ledger for ${record.account.userId} in ${config.stateDir}.`);
      return ExitCode.OK;
    }
    const outcome = await (home.importLedger as NonNullable<RecordHome['importLedger']>)(record.account, file.text, new Date());
    if (!outcome.imported) {
      out(`Not moved: the database already keeps a ledger for ${record.account.userId} (${outcome.place}); ${file.path} is left as it is. Compare them with \`kite-autologin status\` before you remove it.`);
      return ExitCode.CONFIG;
    }
    const aside = await moveLedgerAside(file.path);
    out(`Moved ${outcome.lines} records of ${record.account.userId} into ${outcome.place}; the file is now ${aside}.`);
    return ExitCode.OK;
  }, { signal }), { signal });
}
