import type { MorningResult } from '../../src/daemon/morning.js';
import { describeUnexpected, isAutologinError } from '../../src/errors/index.js';
import { formatIst } from '../../src/time/ist.js';
import type { ModelAttempt } from './kite-counter-model.js';
import type { HistoryContext } from './kite-model-context.js';
import { ProcessKilled } from './year-kite-model.js';

/*
 * What one history's run reports: every broken property, the story of what happened (for a
 * counterexample), a fingerprint (the same history gives the same one on every run) and
 * counts of what the run went through (for the test's coverage assertions).
 */

export interface HistoryReport {
  violations: string[];
  /** What happened, one line each (for a counterexample's story). */
  trace: string[];
  /** The same history gives the same fingerprint on every run. */
  fingerprint: string;
  stats: HistoryStats;
}

export interface HistoryStats {
  days: number;
  tradingMornings: number;
  /** Daemon mornings where the liveness property applied (see `notBenign`), and was checked. */
  livenessChecked: number;
  /** ... of which some attempt met a fault (a retry had to absorb it). */
  livenessFaulty: number;
  attempts: number;
  typed: number;
  sessions: number;
  refusals: number;
  kills: number;
  browserCrashes: number;
  ledgerFaults: number;
  resumes: number;
  maxPessimistic: { password: number; totp: number };
}

export function emptyStats(): HistoryStats {
  return {
    days: 0, tradingMornings: 0, livenessChecked: 0, livenessFaulty: 0, attempts: 0, typed: 0, sessions: 0, refusals: 0, kills: 0,
    browserCrashes: 0, ledgerFaults: 0, resumes: 0, maxPessimistic: { password: 0, totp: 0 },
  };
}

/** The run's report, once its last day is over. */
export function historyReport(ctx: HistoryContext): HistoryReport {
  const { kite, stats } = ctx;
  stats.attempts = kite.attempts.length;
  stats.typed = kite.submissions.filter((s) => s.seen !== 'not-sent').length;
  stats.sessions = kite.sessions.length;
  stats.browserCrashes = kite.browser.crashes;
  stats.ledgerFaults = ctx.worlds.reduce((sum, w) => sum + w.store.fired.length, 0);
  for (const user of kite.users.values()) {
    stats.maxPessimistic.password = Math.max(stats.maxPessimistic.password, user.maxPessimistic.password);
    stats.maxPessimistic.totp = Math.max(stats.maxPessimistic.totp, user.maxPessimistic.totp);
  }
  const time = (at: number): string => `${formatIst(new Date(at)).slice(0, 19)} IST`;
  const lines = [
    ...ctx.happenings.map((h) => ({ at: h.at, line: `${time(h.at)} ${h.account === 'all' ? 'machine' : `account ${h.account}`}: ${h.what}` })),
    ...kite.attempts.map((a) => ({ at: a.machineAt, line: `${time(a.machineAt)} account ${a.account}: ${a.via} attempt ${JSON.stringify(a.script)} -> ${a.ended}` })),
    ...kite.sessions.map((s) => ({ at: s.machineAt, line: `${time(s.machineAt)} account ${s.account}: Kite made a session for ${s.via}${s.force ? ' --force' : ''}${s.lost ? ' (its answer lost)' : ''}` })),
    ...ctx.worlds.flatMap((w) => w.store.fired.map((f) => ({ at: f.at, line: `${time(f.at)} account ${w.index}: ledger write ${f.nth} of the day: ${f.mode}` }))),
  ].sort((a, b) => a.at - b.at).map((l) => l.line);
  const trace = [...lines, ...ctx.trace];
  const fingerprint = JSON.stringify([kite.attempts.map(fingerprintOf), kite.submissions, kite.sessions, ctx.happenings]);
  return { violations: [...ctx.violations], trace, fingerprint, stats };
}

function fingerprintOf(a: ModelAttempt): unknown {
  return [a.account, a.via, a.machineAt, a.ended];
}

/** A morning's result, in a line. */
export function describeResult(result: MorningResult): string {
  switch (result.kind) {
    case 'closed': return 'closed';
    case 'halted': return `halted (${result.error.code})`;
    case 'done': return `done (${result.outcome.kind}, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'})`;
    case 'failed': return `failed (${result.error.code}${result.error.step ? ` at ${result.error.step}` : ''}, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'})`;
  }
}

/** What a command failed with, in a word. */
export function codeOf(error: unknown): string {
  return isAutologinError(error) ? error.code : error instanceof ProcessKilled ? 'killed' : describeUnexpected(error);
}
