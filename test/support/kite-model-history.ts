import fc from 'fast-check';
import type { AnswerFault, AttemptScript, ExchangeFault, LedgerFault, LedgerFaultMode, PageFault } from './kite-model-faults.js';

/**
 * A generated history: a few accounts (sharing one browser, LOGIN_CONCURRENCY at a time),
 * their daemon, and what happens to them over consecutive days of 2026: Kite's answers to
 * each login attempt, crashes and kills, ledger writes that fail or land late, clock
 * changes, and what the person does (commands, resume, changed credentials).
 */
export interface History {
  /** How many accounts (1 to 3), each with its own configuration, ledger, lock and daemon. */
  accounts: number;
  /** LOGIN_CONCURRENCY: daemon attempts at a time. */
  concurrency: number;
  /** The accounts are a family on one app (one api_key); otherwise an app each. */
  sharedApiKey: boolean;
  /** The first day: this many days after 2026-01-01. */
  start: number;
  /** The machine's clock minus Kite's at the start, seconds. */
  skewSeconds: number;
  /** The retry policy's jitter. */
  jitterSeed: number;
  days: DayPlan[];
}

/** IST times of the machine's clock at which the person (or the machine) acts. The daemon's slot is 07:30, its deadline 09:00. */
export const EVENT_TIMES = ['05:40', '06:30', '07:00', '08:15', '12:00', '20:00'] as const;
export type EventTime = (typeof EVENT_TIMES)[number];

export type PersonEvent =
  /** Logs in by hand on kite.zerodha.com, then runs `kite-autologin resume`. */
  | { kind: 'resume' }
  /** `kite-autologin login` (`--dry-run`, `--force`). */
  | { kind: 'login'; mode: 'plain' | 'dry-run' | 'force' }
  /** `kite-autologin run --once`. */
  | { kind: 'run-once' }
  /** The password is changed on kite.zerodha.com; nobody tells the configuration. */
  | { kind: 'kite-password' }
  /** The TOTP is enrolled again on Kite; nobody tells the configuration. */
  | { kind: 'kite-totp' }
  /** The configuration is updated to what Kite has now. */
  | { kind: 'config-fix' }
  /** The configured password is changed to a wrong one. */
  | { kind: 'config-typo' };

export type MachineEvent =
  /** NTP or a person sets the clock: afterwards it is this many seconds off Kite's. */
  | { kind: 'set-clock'; skewSeconds: number }
  /** The machine sleeps (lid closed, VM paused). */
  | { kind: 'suspend'; minutes: number }
  /** The daemon restarts (deploy, reboot). */
  | { kind: 'restart' }
  /** The machine is off until a restart, or 05:00 the next day. */
  | { kind: 'power-off' };

export interface DayEvent { at: EventTime; account: number; event: PersonEvent | MachineEvent }

export interface DayPlan {
  /** How Kite (or the path to it) behaves all day, for every attempt of every account: a script's own parts take precedence. */
  mood?: AttemptScript;
  /** Each account's login attempts of the day take these scripts in order (account: modulo the accounts). */
  attempts: { account: number; script: AttemptScript }[];
  ledger: { account: number; fault: LedgerFault }[];
  events: DayEvent[];
}

export interface HistoryShape {
  maxAccounts: number;
  maxDays: number;
}

/** `arb` once in `1 + none` times, else nothing (shrinks to nothing). */
function sometimes<T>(arb: fc.Arbitrary<T>, none: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: none, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const pageFault: fc.Arbitrary<PageFault> = fc.constantFrom('page-5xx', 'launch-crash', 'page-crash', 'kill');

export const answerFault: fc.Arbitrary<AnswerFault> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 25 }).map((s): AnswerFault => ({ kind: 'slow', ms: s * 1000 })) },
  { weight: 4, arbitrary: fc.record({ status: fc.constantFrom<429 | 500 | 502 | 503 | 504>(503, 429, 500, 502, 504), processed: fc.boolean() }).map((t): AnswerFault => ({ kind: 'transient', ...t })) },
  { weight: 1, arbitrary: fc.boolean().map((processed): AnswerFault => ({ kind: 'no-answer', processed })) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'lost' }) },
  { weight: 1, arbitrary: fc.boolean().map((processed): AnswerFault => ({ kind: 'reset', processed })) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'reject' }) },
  { weight: 1, arbitrary: fc.constantFrom<403 | 503>(403, 503).map((status): AnswerFault => ({ kind: 'block', status })) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'type-fails' }) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'crash-before-typing' }) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'crash-after-typing' }) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'crash-after-sending' }) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'kill-before-sending' }) },
  { weight: 1, arbitrary: fc.constant<AnswerFault>({ kind: 'kill-after-sending' }) },
);

/** One login attempt's script: mostly clean, each part going wrong now and then. */
export const attemptScript: fc.Arbitrary<AttemptScript> = fc.record({
  page: sometimes(pageFault, 8),
  unmeasured: sometimes(fc.constant(true as const), 8),
  password: sometimes(answerFault, 4),
  totp: sometimes(answerFault, 4),
  exchange: sometimes(fc.constantFrom<ExchangeFault>(503, 429, 'no-answer', 'lost'), 10),
}).map((s) => compact(s));

const ledgerFault: fc.Arbitrary<LedgerFault> = fc.record({
  nth: fc.nat({ max: 7 }),
  mode: fc.constantFrom<LedgerFaultMode>('timeout-late', 'fail', 'fail-landed', 'timeout-landed'),
});

const personEvent: fc.Arbitrary<PersonEvent> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<PersonEvent>({ kind: 'resume' }) },
  { weight: 2, arbitrary: fc.constant<PersonEvent>({ kind: 'login', mode: 'plain' }) },
  { weight: 2, arbitrary: fc.constant<PersonEvent>({ kind: 'login', mode: 'dry-run' }) },
  { weight: 2, arbitrary: fc.constant<PersonEvent>({ kind: 'login', mode: 'force' }) },
  { weight: 2, arbitrary: fc.constant<PersonEvent>({ kind: 'run-once' }) },
  { weight: 1, arbitrary: fc.constant<PersonEvent>({ kind: 'kite-password' }) },
  { weight: 1, arbitrary: fc.constant<PersonEvent>({ kind: 'kite-totp' }) },
  { weight: 2, arbitrary: fc.constant<PersonEvent>({ kind: 'config-fix' }) },
  { weight: 1, arbitrary: fc.constant<PersonEvent>({ kind: 'config-typo' }) },
);

/** Seconds the machine's clock may be off Kite's: none, NTP-sized, a bad RTC, a wrong zone offset's worth of minutes. */
const skew: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: -8, max: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(-2400, -1200, -90, -40, 40, 90, 1200, 2400) },
);

const machineEvent: fc.Arbitrary<MachineEvent> = fc.oneof(
  { weight: 2, arbitrary: skew.map((skewSeconds): MachineEvent => ({ kind: 'set-clock', skewSeconds })) },
  { weight: 1, arbitrary: fc.integer({ min: 5, max: 180 }).map((minutes): MachineEvent => ({ kind: 'suspend', minutes })) },
  { weight: 2, arbitrary: fc.constant<MachineEvent>({ kind: 'restart' }) },
  { weight: 1, arbitrary: fc.constant<MachineEvent>({ kind: 'power-off' }) },
);

const dayEvent: fc.Arbitrary<DayEvent> = fc.record({
  at: fc.constantFrom(...EVENT_TIMES),
  account: fc.nat({ max: 2 }),
  event: fc.oneof({ weight: 4, arbitrary: personEvent }, { weight: 1, arbitrary: machineEvent }),
});

/** A bad day at Kite: one part of every attempt goes wrong the same way (mostly 5xx or 429). */
const mood: fc.Arbitrary<AttemptScript> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ status: fc.constantFrom<429 | 503>(503, 429), processed: fc.boolean() }).map((t): AttemptScript => ({ password: { kind: 'transient', ...t } })) },
  { weight: 2, arbitrary: fc.record({ status: fc.constantFrom<429 | 503>(503, 429), processed: fc.boolean() }).map((t): AttemptScript => ({ totp: { kind: 'transient', ...t } })) },
  { weight: 1, arbitrary: answerFault.map((f): AttemptScript => ({ password: f })) },
  { weight: 1, arbitrary: answerFault.map((f): AttemptScript => ({ totp: f })) },
  { weight: 1, arbitrary: fc.constant<AttemptScript>({ page: 'page-5xx' }) },
  { weight: 1, arbitrary: fc.constantFrom<ExchangeFault>(503, 429, 'no-answer').map((exchange): AttemptScript => ({ exchange })) },
  { weight: 1, arbitrary: fc.constant<AttemptScript>({ unmeasured: true }) },
);

export const dayPlan: fc.Arbitrary<DayPlan> = fc.record({
  mood: sometimes(mood, 7),
  attempts: fc.array(fc.record({ account: fc.nat({ max: 2 }), script: attemptScript }), { maxLength: 5 }),
  ledger: sometimes(fc.record({ account: fc.nat({ max: 2 }), fault: ledgerFault }), 5).map((f) => (f ? [f] : [])),
  events: fc.array(dayEvent, { maxLength: 3 }),
}).map(({ mood: m, ...plan }): DayPlan => (m === undefined ? plan : { mood: m, ...plan }));

/** Histories of up to `maxDays` days for up to `maxAccounts` accounts. */
export function historyArbitrary(shape: HistoryShape): fc.Arbitrary<History> {
  return fc.record({
    accounts: fc.integer({ min: 1, max: shape.maxAccounts }),
    concurrency: fc.integer({ min: 1, max: 3 }),
    sharedApiKey: fc.boolean(),
    start: fc.nat({ max: 364 - shape.maxDays }),
    skewSeconds: skew,
    jitterSeed: fc.nat(),
    days: fc.array(dayPlan, { minLength: 1, maxLength: shape.maxDays }),
  });
}

/** The object without its undefined fields (a counterexample prints as what it says). */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
