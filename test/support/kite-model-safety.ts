import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateStore } from '../../src/account/files/state-file.js';
import { attemptOutcomeOf } from '../../src/daemon/attempt-protocol.js';
import { runMorning } from '../../src/daemon/morning.js';
import { AbortedError } from '../../src/errors/index.js';
import type { LoginOutcome } from '../../src/login/login-once.js';
import { loginUnderLedger } from '../../src/login/login-under-ledger.js';
import { morningDepsOf, recordOf } from './kite-model-account.js';
import type { HistoryContext } from './kite-model-context.js';
import { codeOf, describeResult } from './kite-model-report.js';

/*
 * The safety properties checked after every step of a history (beyond those the Kite model
 * checks as secrets are typed and sessions made): the daemon makes at most one session for an
 * account on a morning; no pessimistic count reaches 5; a spent budget never hides a valid
 * token.
 */

/**
 * A spent budget never hides a valid token: after every step, an account that holds a valid
 * token and may be stopped (or has spent some of its budget) is asked, as `login` and as
 * `run --once` would ask, and must answer "still valid" without logging in. The probes
 * change nothing when they pass: a login the product wrongly starts fails at once (it never
 * reaches the Kite model), `run --once` writes to a scratch state file.
 */
export async function probeKeptTokens(ctx: HistoryContext, label: string): Promise<void> {
  for (const world of ctx.worlds) {
    const user = ctx.kite.user(world.index);
    if (user.dirty === undefined && user.notAccepted.password === 0 && user.notAccepted.totp === 0 && !user.blocked) continue;
    if (!ctx.kite.savedTokenLive(world.index, world.config.tokenFile).current) continue;
    const probe = (via: string): Promise<LoginOutcome> => loginUnderLedger(world.config, recordOf(ctx, world), { force: false }, {
      via, logger: ctx.logger, now: ctx.machine.now, sleep: ctx.machine.sleep,
      session: ctx.kite.session, lockWaitMs: 1_000,
      perform: () => Promise.reject(new AbortedError(`${via} began a login while today's token was valid`)),
    });
    try {
      const outcome = await probe('login (probe)');
      if (outcome.kind !== 'still-valid') ctx.violation(world.index, `${label}: \`login\` answered ${outcome.kind} while today's token was valid`);
    } catch (error) {
      ctx.violation(world.index, `${label}: \`login\` failed (${codeOf(error)}: ${error instanceof Error ? error.message.slice(0, 160) : ''}) while today's token was valid: a stop hid it`);
    }
    const scratch = join(ctx.root, `probe-${world.index}.state.json`);
    try {
      const result = await runMorning({
        ...morningDepsOf(ctx, world, 'run --once (probe)', undefined), state: new StateStore(scratch), random: () => 0.5, sleep: ctx.machine.sleep,
        attempt: async () => attemptOutcomeOf(await probe('run --once (probe)')),
      }, 'once');
      if (result.kind !== 'closed' && !(result.kind === 'done' && result.outcome.kind === 'still-valid')) {
        ctx.violation(world.index, `${label}: \`run --once\` ended ${describeResult(result)} while today's token was valid: a stop hid it`);
      }
    } catch (error) {
      ctx.violation(world.index, `${label}: \`run --once\` failed (${codeOf(error)}) while today's token was valid`);
    } finally {
      await rm(scratch, { force: true });
    }
  }
}

/** After every step: what the Kite model saw broken, two sessions of one daemon morning (of which it got the token), a pessimistic count at 5. */
export function checkAfterStep(ctx: HistoryContext, label: string): void {
  for (const violation of ctx.kite.violations.splice(0)) ctx.violations.push(`${label}: ${violation}`);
  const byMorning = new Map<string, number>();
  for (const s of ctx.kite.sessions) {
    // A session whose exchange answer was lost was never the tool's: the retry that follows must make another.
    if (s.via !== 'daemon' || s.lost) continue;
    const key = `${s.account}:${s.day}`;
    byMorning.set(key, (byMorning.get(key) ?? 0) + 1);
  }
  for (const [key, count] of byMorning) {
    if (count > 1 && !ctx.violations.some((v) => v.includes(`(sessions ${key})`))) ctx.violations.push(`${label}: the daemon created ${count} sessions for one account on one morning (sessions ${key})`);
  }
  for (const [index, user] of ctx.kite.users) {
    const over = user.pessimistic.password >= 5 || user.pessimistic.totp >= 5;
    if (over && !ctx.overFive.has(index)) ctx.violations.push(`${label}: account ${index}: a pessimistic count reached 5 (${JSON.stringify(user.pessimistic)})`);
    if (over) ctx.overFive.add(index);
    else ctx.overFive.delete(index);
  }
}
