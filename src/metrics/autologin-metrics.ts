import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VERSION } from '../version.js';
import { AccountReads, sampleAccount, type AccountSample, type MetricsAccount } from './sample-account.js';

/** How long one scrape may spend reading the records: Prometheus' default scrape_timeout is 10 s. */
export const GATHER_BOUND_MS = 5_000;

/** Login attempts take seconds to a couple of minutes (a TOTP window wait, retries within the attempt). */
const DURATION_BUCKETS = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300];

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export type AttemptResult = 'logged-in' | 'still-valid' | 'dry-run' | 'failed';

export interface AutologinMetrics {
  registry: Registry;
  /** One login attempt the daemon made for `userId`, and how it ended. */
  observeAttempt(userId: string, seconds: number, result: AttemptResult): void;
}

export interface MetricsOptions {
  /** Default: the real clock. */
  now?: () => Date;
  /** See GATHER_BOUND_MS (the default). */
  boundMs?: number;
  /** prom-client's process and Node.js metrics. Default true. */
  defaultMetrics?: boolean;
}

/**
 * The daemon's metrics in a registry of their own. Everything about the accounts is read on
 * scrape (collect callbacks), from their records, once per scrape for all the series, and
 * bounded: a record that does not answer in time leaves its series out of that scrape and
 * sets kite_autologin_record_readable to 0, and the scrape still answers. Labels are user ids
 * and ACCOUNTS_FILE names; values are times, counts and flags: never a secret.
 */
export function autologinMetrics(accounts: readonly MetricsAccount[], options: MetricsOptions = {}): AutologinMetrics {
  const registry = new Registry();
  const now = options.now ?? (() => new Date());
  const boundMs = options.boundMs ?? GATHER_BOUND_MS;
  const reads = accounts.map((account) => new AccountReads(account));
  // Every collect of one scrape starts in the same turn (Registry.metrics asks all metrics at once): they share one gathering.
  let gathering: Promise<AccountSample[]> | undefined;
  const samples = (): Promise<AccountSample[]> => {
    gathering ??= gather(reads, now(), boundMs).finally(() => { gathering = undefined; });
    return gathering;
  };
  const perAccount = (name: string, help: string, value: (s: AccountSample) => number | undefined): void => {
    new Gauge({
      name, help, labelNames: ['account', 'name'], registers: [registry],
      async collect() {
        const all = await samples();
        this.reset();
        for (const s of all) {
          const v = value(s);
          if (v !== undefined) this.set(s.labels, v);
        }
      },
    });
  };

  perAccount('kite_autologin_token_expiry_timestamp_seconds', 'When the saved token expires (06:00 IST after its login), Unix time.', (s) => s.tokenExpiry);
  perAccount('kite_autologin_last_success_timestamp_seconds', 'When a login last succeeded or a morning last found today\'s token still valid, Unix time.', (s) => s.lastSuccess);
  perAccount('kite_autologin_account_stopped', '1 when the attempt ledger stops the account (no login until fixed and resumed), else 0.', (s) => s.stopped);
  perAccount('kite_autologin_kite_clock_offset_seconds', 'Kite\'s clock minus this machine\'s, as last measured during a login.', (s) => s.kiteClockOffset);
  perAccount('kite_autologin_record_readable', '1 when every part of the account\'s record was read within the scrape\'s bound, else 0 (its other series may then be missing).', (s) => (s.readable ? 1 : 0));
  new Counter({
    name: 'kite_autologin_submissions_total',
    help: 'Secrets submitted to Kite, by factor and outcome, as the attempt ledger records them (pending: no answer recorded yet).',
    labelNames: ['account', 'name', 'factor', 'outcome'], registers: [registry],
    async collect() {
      const all = await samples();
      this.reset();
      for (const s of all) for (const c of s.submissions ?? []) this.inc({ ...s.labels, factor: c.factor, outcome: c.outcome }, c.count);
    },
  });
  const durations = new Histogram({
    name: 'kite_autologin_login_duration_seconds',
    help: 'How long the daemon\'s login attempts took, by how they ended.',
    labelNames: ['account', 'name', 'result'], buckets: DURATION_BUCKETS, registers: [registry],
  });
  new Gauge({ name: 'kite_autologin_build_info', help: 'Always 1; the version in a label.', labelNames: ['version'], registers: [registry] }).set({ version: VERSION }, 1);
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters, which `promtool check metrics` rejects (prometheus/client_js#283,
    // open): each is the sum of its by-type series (nodejs_active_handles{type} ...), still served.
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }

  const labelsOf = new Map(accounts.map((a) => [a.userId.toUpperCase(), a.name === undefined ? { account: a.userId } : { account: a.userId, name: a.name }]));
  return {
    registry,
    observeAttempt: (userId, seconds, result) => {
      durations.observe({ ...(labelsOf.get(userId.toUpperCase()) ?? { account: userId }), result }, seconds);
    },
  };
}

/** Every account's sample, within one bound for the whole scrape. */
async function gather(reads: readonly AccountReads[], now: Date, boundMs: number): Promise<AccountSample[]> {
  let timer: NodeJS.Timeout | undefined;
  const until = new Promise<void>((resolve) => { timer = setTimeout(resolve, boundMs); });
  try {
    return await Promise.all(reads.map((r) => sampleAccount(r, now, until)));
  } finally {
    clearTimeout(timer);
  }
}
