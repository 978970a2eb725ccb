import { openHome } from '../account/open-home.js';
import type { TokenAnnouncer } from '../account/announce.js';
import type { Account, AccountRecord, RecordHome } from '../account/record.js';
import type { BaseConfig, RawConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { TokenStore } from '../token-store.js';
import { configuredAccounts, loadEach, type ConfiguredAccount, type ConfiguredAccounts } from './configured-accounts.js';
import { checkTokenFiles } from './token-files.js';

/** One account as a command works on it: as configured, its configuration, its record. */
export interface AccountEntry<C extends BaseConfig> {
  configured: ConfiguredAccount;
  config: C;
  /** Undefined only where a reader cannot name the account (no KITE_API_KEY and KITE_USER_ID, no saved token). */
  record: AccountRecord | undefined;
}

export interface OpenAccounts<C extends BaseConfig> extends Omit<ConfiguredAccounts, 'accounts' | 'readProblems'> {
  entries: AccountEntry<C>[];
  home: RecordHome;
  /** Ends the home's connections and the announcer's. */
  close(): Promise<void>;
}

export interface OpenAccountsOptions<C extends BaseConfig> {
  env: RawConfig;
  cwd: string;
  /** `--account USER_ID`. */
  account?: string | undefined;
  /** The command's configuration from the strings read once (see configuredAccounts). */
  config: (raw: RawConfig, cwd: string) => C;
  /** Announces new tokens (Redis), when the command announces at all; built from the first account's configuration. */
  announcer?: ((config: C) => Promise<TokenAnnouncer | undefined>) | undefined;
  logger?: Logger | undefined;
  /** What the command does with the records (see openHome): default `write`; `status` and `health` only read. */
  use?: 'read' | 'write' | 'migrate' | undefined;
}

/**
 * What every command starts with: the accounts it acts on (ACCOUNTS_FILE or the KITE_*
 * variables), each account's configuration (`.env` and the `*_FILE`s read once, every problem
 * of every account at once), and each account's record from the one home the configuration
 * chooses (files or PostgreSQL). Commands and the daemon never ask again where records live.
 */
export async function openAccounts<C extends BaseConfig>(options: OpenAccountsOptions<C>): Promise<OpenAccounts<C>> {
  const configured = await configuredAccounts({ env: options.env, cwd: options.cwd, account: options.account });
  const configs = loadEach(configured, (account) => options.config(account.env, options.cwd));
  const first = configs[0] as C;
  await checkTokenFiles(configured.accounts.map((account, i) => {
    const config = configs[i] as C;
    return { account: accountOf(config), tokenFile: config.tokenFile, stateDir: config.stateDir, variable: account.place ? `${account.place}.token_file` : 'TOKEN_FILE' };
  }));
  const places = await Promise.all(configured.accounts.map(async (account, i) => {
    const config = configs[i] as C;
    return { account: accountOf(config) ?? await observedAccount(account.env, config.tokenFile), tokenFile: config.tokenFile, stateDir: config.stateDir };
  }));
  const home = await openHome(first, {
    logger: options.logger,
    announcer: await options.announcer?.(first),
    places,
    use: options.use ?? 'write',
  });
  try {
    const entries = configured.accounts.map((account, i): AccountEntry<C> => {
      const { account: named, tokenFile, stateDir } = places[i] as (typeof places)[number];
      return { configured: account, config: configs[i] as C, record: named ? home.record(named, { tokenFile, stateDir }) : undefined };
    });
    return { fromFile: configured.fromFile, loginConcurrency: configured.loginConcurrency, entries, home, close: () => home.close() };
  } catch (error) {
    await home.close();
    throw error;
  }
}

/** A login's configuration names its account. */
function accountOf(config: BaseConfig): Account | undefined {
  const credentials = (config as { credentials?: { apiKey: string; userId: string } }).credentials;
  return credentials ? { apiKey: credentials.apiKey, userId: credentials.userId } : undefined;
}

/**
 * Whose records a reader (`status`, `health`, `resume`) reads: KITE_API_KEY and KITE_USER_ID
 * when set (neither is a secret), else the account of the saved token.
 */
export async function observedAccount(raw: RawConfig, tokenFile: string): Promise<Account | undefined> {
  const apiKey = raw['KITE_API_KEY']?.trim();
  const userId = raw['KITE_USER_ID']?.trim();
  if (apiKey && userId) return { apiKey, userId };
  const read = await new TokenStore(tokenFile).read();
  return read.state === 'ok' ? { apiKey: read.token.api_key, userId: read.token.user_id } : undefined;
}
