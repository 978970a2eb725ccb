import type { AccountRecord, Secrets } from '../account/record.js';
import type { AccountLedger } from '../ledger/account-ledger.js';
import type { Submission } from '../ledger/attempt-rules.js';
import { OUTCOME_KINDS, type Factor } from '../ledger/records.js';
import type { AutologinState } from '../state/autologin-state.js';
import { TokenStore, type SavedToken, type TokenRead } from '../token-store.js';

/** One account as the metrics see it: its labels and where its facts are read. */
export interface MetricsAccount {
  /** Label `account`: the Zerodha user id. */
  userId: string;
  /** Label `name`: the account's name in ACCOUNTS_FILE, when it has one. */
  name?: string | undefined;
  record: AccountRecord;
  tokenFile: string;
  /** The configured secrets: a stop about credentials changed since is then no stop (as the daemon judges it). */
  secrets?: Secrets | undefined;
}

export const FACTORS: readonly Factor[] = ['password', 'totp'];
export const SUBMISSION_OUTCOMES: readonly Submission['outcome'][] = [...OUTCOME_KINDS, 'pending'];

/** What one scrape could read of one account, in seconds; a fact it could not read in time is absent. */
export interface AccountSample {
  labels: { account: string; name?: string };
  /** Every read answered within the bound. */
  readable: boolean;
  tokenExpiry?: number | undefined;
  lastSuccess?: number;
  stopped?: 0 | 1;
  /** Per factor and outcome (every pair, zeros included). */
  submissions?: { factor: Factor; outcome: Submission['outcome']; count: number }[];
  kiteClockOffset?: number;
}

type Read<T> = { ok: true; value: T } | { ok: false };

/**
 * Reads of one account that are still running when a scrape comes: the next scrape waits for
 * the same read rather than start another, so a record that hangs (a database gone quiet)
 * costs one read, not one per scrape.
 */
export class AccountReads {
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(readonly account: MetricsAccount) {}

  /** `read`, or the same read still running; within `until`. Never rejects. */
  async within<T>(key: string, read: () => Promise<T>, until: Promise<void>): Promise<Read<T>> {
    let running = this.#inFlight.get(key) as Promise<T> | undefined;
    if (!running) {
      const started = read();
      running = started;
      this.#inFlight.set(key, started);
      void started.then(() => this.#inFlight.delete(key), () => this.#inFlight.delete(key));
    }
    return Promise.race([
      running.then((value): Read<T> => ({ ok: true, value }), (): Read<T> => ({ ok: false })),
      until.then((): Read<T> => ({ ok: false })),
    ]);
  }
}

/** One account's facts for one scrape: the token, the morning record and the ledger, read at once, each within `until`. */
export async function sampleAccount(reads: AccountReads, now: Date, until: Promise<void>): Promise<AccountSample> {
  const { account } = reads;
  const [token, morning, ledger] = await Promise.all([
    reads.within('token', () => newestToken(account), until),
    reads.within('morning', () => account.record.morning.read(), until),
    reads.within('ledger', () => ledgerFacts(account, now), until),
  ]);
  const labels = account.name === undefined ? { account: account.userId } : { account: account.userId, name: account.name };
  const sample: AccountSample = { labels, readable: token.ok && morning.ok && ledger.ok };
  if (token.ok && token.value) sample.tokenExpiry = seconds(token.value.expires_at);
  const lastSuccess = Math.max(token.ok && token.value ? seconds(token.value.login_time) ?? 0 : 0, morning.ok ? successAt(morning.value) ?? 0 : 0);
  if (lastSuccess > 0) sample.lastSuccess = lastSuccess;
  if (morning.ok && morning.value.kiteClock) sample.kiteClockOffset = morning.value.kiteClock.offsetMs / 1000;
  if (ledger.ok) {
    sample.stopped = ledger.value.stopped ? 1 : 0;
    sample.submissions = ledger.value.submissions;
  }
  return sample;
}

/** The newest of the account's tokens: the token file's, or the record's (PostgreSQL: another host's login). */
async function newestToken(account: MetricsAccount): Promise<SavedToken | undefined> {
  const [file, kept] = await Promise.all([new TokenStore(account.tokenFile).read(), account.record.readToken()]);
  const own = (read: TokenRead): SavedToken | undefined => (read.state === 'ok'
    && read.token.api_key === account.record.account.apiKey && read.token.user_id.toUpperCase() === account.userId.toUpperCase() ? read.token : undefined);
  const tokens = [own(file), own(kept)].filter((t) => t !== undefined);
  return tokens.sort((a, b) => (seconds(b.login_time) ?? 0) - (seconds(a.login_time) ?? 0))[0];
}

/** The stop and the submissions, from one read of the ledger (read only: nothing created, no lock). */
async function ledgerFacts(account: MetricsAccount, now: Date): Promise<{ stopped: boolean; submissions: NonNullable<AccountSample['submissions']> }> {
  const ledger: AccountLedger | undefined = await account.record.readLedger(now);
  const counts = new Map<string, number>();
  for (const s of ledger?.submissions() ?? []) counts.set(`${s.factor}/${s.outcome}`, (counts.get(`${s.factor}/${s.outcome}`) ?? 0) + 1);
  const submissions = FACTORS.flatMap((factor) => SUBMISSION_OUTCOMES.map((outcome) => ({ factor, outcome, count: counts.get(`${factor}/${outcome}`) ?? 0 })));
  if (!ledger) return { stopped: false, submissions };
  const prints = account.secrets ? await ledger.prints(account.record.account, account.secrets) : undefined;
  return { stopped: ledger.judge(prints, false).stop !== undefined, submissions };
}

/** When a morning last ended with a valid token (a login, or today's token kept). */
function successAt(state: AutologinState): number | undefined {
  const last = state.lastAttempt;
  return last && (last.result === 'logged-in' || last.result === 'still-valid') ? seconds(last.at) : undefined;
}

function seconds(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
