import { recordOf, type AccountWorld } from './kite-model-account.js';
import { ALLOWED, DEADLINE, MORNING_MIN_MS, SLOT, type HistoryContext, type Snapshot } from './kite-model-context.js';
import type { AnswerFault, AttemptScript } from './kite-model-faults.js';
import { ist } from './kite-model-util.js';

/*
 * The liveness properties of a history's run: a morning that begins with the account clean
 * (nothing since the last resume that the rules stop on) is not stopped and has its whole
 * budget; a daemon alive at the slot begins its morning; a benign morning (`notBenign`) ends
 * with a valid token before the deadline.
 */

/** How the account stands as its daemon's morning begins; a clean account found stopped or short of budget is a violation. */
export async function snapshotOf(ctx: HistoryContext, world: AccountWorld): Promise<Snapshot> {
  const user = ctx.kite.user(world.index);
  const account = { apiKey: world.apiKey, userId: world.userId };
  const ledger = await recordOf(ctx, world).readLedger(ctx.machine.now());
  const verdict = ledger ? ledger.judge(await ledger.prints(account, { password: world.config.credentials.password, totpSecret: world.config.credentials.totpSecret }), true) : undefined;
  const clean = user.dirty === undefined && user.notAccepted.password === 0 && user.notAccepted.totp === 0;
  if (clean && (verdict?.stop !== undefined || (verdict && (verdict.password.left < ALLOWED.password || verdict.totp.left < ALLOWED.totp)))) {
    ctx.violation(world.index, `the morning begins stopped or with its budget spent (${verdict.stop?.cause ?? `left ${verdict.password.left} passwords, ${verdict.totp.left} codes`}) though nothing since the last resume gives a reason to`);
  }
  return {
    at: ctx.machine.wall,
    clean,
    credentialsRight: world.config.credentials.password === user.password && world.config.credentials.totpSecret === user.totpSecret,
    blocked: user.blocked,
    stop: verdict?.stop?.cause,
    left: { password: verdict?.password.left ?? ALLOWED.password, totp: verdict?.totp.left ?? ALLOWED.totp },
    failedWindow: verdict?.totp.failedWindow,
    skewMs: ctx.skewMs,
  };
}

/** At the deadline: every daemon alive at the slot began its morning, and a benign morning ended with a token. */
export function checkDeadline(ctx: HistoryContext, day: string): void {
  if (!ctx.calendar.isTradingDay(day)) return;
  const deadline = ist(day, DEADLINE);
  for (const world of ctx.worlds) {
    const key = `${world.index}:${day}`;
    const snapshot = ctx.snapshots.get(key);
    const slot = ctx.slotFacts.get(key);
    if (!snapshot) {
      // Alive at the slot with today's run not done already, and nothing killed or stopped it since: it must have run.
      const quiet = !ctx.happenings.some((h) => h.disturbs && h.at >= ist(day, SLOT) && h.at <= deadline && (h.account === 'all' || h.account === world.index));
      if (slot?.alive && !slot.finishedBefore && quiet) ctx.violation(world.index, `${day}: the daemon was alive at the slot and never began its morning`);
      continue;
    }
    const why = notBenign(ctx, world, snapshot, deadline);
    if (why !== undefined) {
      ctx.trace.push(`${day} account ${world.index}: liveness not asked (${why})`);
      continue;
    }
    ctx.stats.livenessChecked += 1;
    if (ctx.kite.attempts.some((a) => a.account === world.index && a.machineAt >= snapshot.at && a.machineAt <= deadline && Object.keys(a.script).length > 0)) ctx.stats.livenessFaulty += 1;
    const session = ctx.kite.user(world.index).session;
    const held = ctx.kite.savedTokenLive(world.index, world.config.tokenFile).live && session !== undefined && session.machineAt <= deadline;
    if (!held) ctx.violation(world.index, `${day}: a benign morning (credentials right, not stopped, faults the rules absorb) ended with no valid token by ${DEADLINE}`);
  }
}

/**
 * Why the liveness property does not apply to this morning, or undefined when it does. It
 * applies when, at the morning's start, Kite accepts the configured password and TOTP, the
 * account is not blocked and the ledger holds no stop, and the morning began at least 30 min
 * before the deadline; and, until the deadline, nothing happens to the account or the
 * machine (no command, resume, clock change, restart, kill, browser crash, ledger fault), and
 * the faults of its daemon's attempts are only ones a retry absorbs within the rules:
 * - before anything is typed: the login page 5xx or Chromium failing to start, at most 3
 *   times; a field that cannot be filled (PAGE_UNRECOGNISED), at most twice;
 * - answers: slow ones (answered within the bound) and transient ones (5xx, 429) only, at
 *   most 2 to passwords and 1 to codes, and fewer than the budget the ledger had left at the
 *   start (the last one must go through); no unknown answer, rejection or block;
 * - the exchange: 5xx, 429 or no answer (Kite's session made or not) at most twice;
 * - Kite's clock measured on every attempt, unless the machine's clock is right and no code
 *   needs a later window (the rules refuse a second code without the clock measured).
 */
function notBenign(ctx: HistoryContext, world: AccountWorld, s: Snapshot, deadline: number): string | undefined {
  if (!s.credentialsRight) return 'the configured credentials are not Kite\'s';
  if (s.blocked) return 'Kite has blocked the account';
  if (s.stop !== undefined) return `stopped at the start (${s.stop})`;
  if (deadline - s.at < MORNING_MIN_MS) return 'the morning began too late';
  const during = (at: number): boolean => at >= s.at && at <= deadline;
  if (ctx.happenings.some((h) => h.disturbs && during(h.at) && (h.account === 'all' || h.account === world.index))) return 'a person or the machine acted during the morning';
  if (ctx.kite.attempts.some((a) => during(a.machineAt) && a.ended === 'killed')) return 'the process was killed during the morning';
  if (world.store.fired.some((f) => during(f.at))) return 'a ledger write failed';
  const attempts = ctx.kite.attempts.filter((a) => during(a.machineAt));
  const others = attempts.filter((a) => a.account !== world.index);
  if (others.some((a) => shared(a.script))) return 'another account crashed the browser or the process';
  const own = attempts.filter((a) => a.account === world.index);
  if (own.some((a) => a.via !== 'daemon')) return 'another command logged in';
  const pageFaults = own.filter((a) => a.script.page !== undefined);
  if (pageFaults.some((a) => a.script.page !== 'page-5xx' && a.script.page !== 'launch-crash') || pageFaults.length > 3) return 'page faults beyond what is absorbed';
  const answers = own.flatMap((a) => [a.script.password, a.script.totp]).filter((f): f is AnswerFault => f !== undefined);
  if (answers.some((f) => f.kind !== 'slow' && f.kind !== 'transient' && f.kind !== 'type-fails')) return 'an answer fault that stops or may stop the account';
  if (answers.filter((f) => f.kind === 'type-fails').length > 2) return 'fields not filled too often';
  const transient = (factor: 'password' | 'totp'): number => own.filter((a) => a.script[factor]?.kind === 'transient').length;
  if (transient('password') > Math.min(2, s.left.password - 1)) return 'more transient password answers than the budget absorbs';
  if (transient('totp') > Math.min(1, s.left.totp - 1)) return 'more transient code answers than the budget absorbs';
  if (own.filter((a) => a.script.exchange !== undefined).length > 2) return 'the exchange failed too often';
  const needsClock = s.skewMs !== 0 || s.failedWindow !== undefined || transient('totp') > 0;
  if (needsClock && own.some((a) => a.script.unmeasured)) return 'Kite\'s clock could not be measured when it was needed';
  return undefined;
}

/** A fault that reaches beyond its own account: a crash of the shared browser, or a kill of the process. */
function shared(script: AttemptScript): boolean {
  const reaching = new Set(['crash-before-typing', 'crash-after-typing', 'crash-after-sending', 'kill-before-sending', 'kill-after-sending']);
  return script.page === 'page-crash' || script.page === 'kill' || reaching.has(script.password?.kind ?? '') || reaching.has(script.totp?.kind ?? '');
}
