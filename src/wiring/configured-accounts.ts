import { selectAccounts } from '../accounts/select-accounts.js';
import { validateAccountsConfig } from '../config/accounts-config.js';
import { FILE_VARIABLES, readConfig, type RawConfig } from '../config/read.js';
import { ConfigError, type ConfigProblem } from '../errors/config-error.js';

/**
 * Which accounts a command acts on: those of ACCOUNTS_FILE (all, `--account USER_ID`, or
 * JOB_COMPLETION_INDEX's), or, without it, the one the KITE_* variables define, exactly as
 * before accounts files existed.
 */

export interface ConfiguredAccount {
  /** For lines, logs and alerts: the account's `name`, else its user id ('' when a single account names none). */
  label: string;
  /** Upper case; undefined when a single account's KITE_USER_ID is not set (status reads the token's). */
  userId: string | undefined;
  /** `ACCOUNTS_FILE accounts[1] (CD5678)`; undefined for the single KITE_* account. */
  place: string | undefined;
  /** Variables whose problems the accounts file reported already (their values are blank here): not reported again. */
  reported?: readonly string[] | undefined;
  /**
   * The whole configuration this account's is validated from: the environment and `.env` and
   * the `*_FILE`s, read once per command, overlaid with the account's own values.
   */
  env: RawConfig;
}

export interface ConfiguredAccounts {
  /** True with ACCOUNTS_FILE: commands then name each account in their lines. */
  fromFile: boolean;
  accounts: ConfiguredAccount[];
  /** LOGIN_CONCURRENCY (see AccountsConfig). */
  loginConcurrency: number;
  /** What only the one read could see (an unreadable `*_FILE`, a `#` cutting a `.env` value): reported with every account's problems. */
  readProblems: ConfigProblem[];
}

export interface ConfiguredAccountsOptions {
  env: RawConfig;
  cwd: string;
  /** `--account USER_ID`; default all. */
  account?: string | undefined;
  /** Reads a file as text; default node:fs. */
  readFile?: (path: string) => string;
}

/**
 * @throws ConfigError: ACCOUNTS_FILE's problems (all at once), LOGIN_CONCURRENCY's, or an
 *   `--account` that names no configured account.
 */
export async function configuredAccounts(options: ConfiguredAccountsOptions): Promise<ConfiguredAccounts> {
  const { env, cwd, readFile } = options;
  // `.env` may set ACCOUNTS_FILE too; the other problems of this read are reported by each command's own load.
  const { raw, problems: readProblems } = readConfig({ env, cwd, ...(readFile ? { readFile } : {}) });
  const settings = validateAccountsConfig(raw);
  if (!settings.ok) throw new ConfigError(settings.problems);
  const { accountsFile, loginConcurrency } = settings.value;
  const wanted = options.account?.trim();

  if (accountsFile === undefined) {
    const userId = raw['KITE_USER_ID']?.trim().toUpperCase() || undefined;
    if (wanted && wanted.toUpperCase() !== userId) {
      throw new ConfigError([{
        variable: '--account',
        message: userId
          ? 'names another user than KITE_USER_ID; without ACCOUNTS_FILE there is one account (leave --account out, or set ACCOUNTS_FILE)'
          : 'names an account, but neither ACCOUNTS_FILE nor KITE_USER_ID is set',
      }]);
    }
    return { fromFile: false, loginConcurrency, readProblems, accounts: [{ label: userId ?? '', userId, place: undefined, env: raw }] };
  }

  // The YAML parser loads only for an accounts file: a single account's `status` and `health` start without it.
  const { loadAccountsFile } = await import('../accounts/accounts-file.js');
  const fileProblems: ConfigProblem[] = [];
  const all = loadAccountsFile({
    path: accountsFile, tokenFile: raw['TOKEN_FILE']?.trim() || 'data/kite-token.json', cwd, problems: fileProblems, ...(readFile ? { readFile } : {}),
  });
  let picked: typeof all;
  try {
    picked = selectAccounts(all, { account: wanted, completionIndex: raw['JOB_COMPLETION_INDEX'] });
  } catch (error) {
    // The account asked for may be one the file's problems left out: those are the answer then.
    if (fileProblems.length > 0) throw new ConfigError(fileProblems);
    throw error;
  }
  // The account's own values win; a KITE_*_FILE left in the environment or in .env would clash
  // with them: blank ones hide both (a blank variable counts as unset, and beats .env's).
  // The read filled KITE_X from a KITE_X_FILE it found: the account's own values replace both.
  const base = { ...raw, ...Object.fromEntries([...CREDENTIAL_FILES].flatMap((name) => [[name, ''], [name.replace(/_FILE$/, ''), '']])) };
  return {
    fromFile: true,
    loginConcurrency,
    // The file's problems go with every account's configuration problems (loadEach): one round.
    readProblems: [...fileProblems, ...readProblems.filter((problem) => !CREDENTIAL_FILES.has(problem.variable) && !CREDENTIAL_FILES.has(`${problem.variable}_FILE`))],
    accounts: picked.map((account) => ({
      label: account.name ?? account.userId,
      userId: account.userId,
      place: account.place,
      reported: account.reported,
      env: { ...base, ...account.env },
    })),
  };
}

const CREDENTIAL_FILES: ReadonlySet<string> = new Set(FILE_VARIABLES.filter((name) => name.startsWith('KITE_')).map((name) => `${name}_FILE`));

/** How alerts name an account: `Mother (CD5678)`, or the user id alone. */
export function accountTitle(account: ConfiguredAccount): string {
  return account.userId && account.label !== account.userId ? `${account.label} (${account.userId})` : account.label;
}

/**
 * Each account's configuration, read by `load`: every problem of every account at once. An
 * account's own variables (its credentials and token file) are named with its place; a
 * problem every account shares (CRON_SCHEDULE, say) is named once.
 *
 * @throws ConfigError with all the problems.
 */
export function loadEach<T>(configured: ConfiguredAccounts, load: (account: ConfiguredAccount) => T): T[] {
  const problems: ConfigProblem[] = [...configured.readProblems];
  const seen = new Set<string>(problems.map((problem) => `${problem.variable}\u0000${problem.message}`));
  const values: T[] = [];
  for (const account of configured.accounts) {
    try {
      values.push(load(account));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) {
        if (account.reported?.includes(problem.variable) === true) continue;
        const key = account.place !== undefined && Object.hasOwn(ACCOUNT_KEYS, problem.variable) ? ACCOUNT_KEYS[problem.variable] : undefined;
        // Named as the accounts file names it: `ACCOUNTS_FILE accounts[1] (CD5678).totp_secret`.
        const named = key !== undefined ? { ...problem, variable: `${account.place}.${key}` } : problem;
        const id = `${named.variable}\u0000${named.message}`;
        if (!seen.has(id)) problems.push(named);
        seen.add(id);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

/** What ACCOUNTS_FILE sets per account (AccountEnv's keys), by the key the file gives it. */
const ACCOUNT_KEYS: Readonly<Record<string, string>> = {
  KITE_API_KEY: 'api_key', KITE_API_SECRET: 'api_secret', KITE_USER_ID: 'user_id', KITE_PASSWORD: 'password',
  KITE_TOTP_SECRET: 'totp_secret', KITE_REDIRECT_URL: 'redirect_url', TOKEN_FILE: 'token_file',
};
