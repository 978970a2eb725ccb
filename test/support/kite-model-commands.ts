import { resumeCommand } from '../../src/commands/resume.js';
import { runMorning } from '../../src/daemon/morning.js';
import { isAutologinError } from '../../src/errors/index.js';
import type { LoginRequest } from '../../src/login/login-once.js';
import { scheduledTime } from '../../src/schedule/plan.js';
import { zonedDay } from '../../src/schedule/zoned-time.js';
import { testDaemonConfig } from './daemon-config.js';
import { loginAs, morningDepsOf, type AccountWorld } from './kite-model-account.js';
import type { HistoryContext } from './kite-model-context.js';
import type { MachineEvent, PersonEvent } from './kite-model-history.js';
import { codeOf, describeResult } from './kite-model-report.js';
import { atFixedTime, totpSecret } from './kite-model-util.js';
import { ProcessKilled } from './year-kite-model.js';

/*
 * What the person and the machine do in a history, each as the real command or as the
 * machine's clocks and the daemons see it: `resume` (after a login by hand on the web),
 * `login` (`--dry-run`, `--force`), `run --once`, credentials changed on Kite or in the
 * configuration, the clock set, a suspend, a restart, the power off. A command that answers
 * anything but "still valid" while today's token is valid breaks a safety property.
 */

/** How the daemons beat (the run loop's): after a clock change, a wake, a restart. */
export type BeatAll = (kind: 'start' | 'tick' | 'cron') => Promise<void>;

export async function runEvent(ctx: HistoryContext, world: AccountWorld, event: PersonEvent | MachineEvent, beatAll: BeatAll): Promise<void> {
  switch (event.kind) {
    case 'resume': return resume(ctx, world);
    case 'login': return manualLogin(ctx, world, event.mode);
    case 'run-once': return runOnce(ctx, world);
    case 'kite-password': {
      ctx.kite.webLogin(world.index);
      ctx.versions += 1;
      ctx.kite.user(world.index).password = `pw-${world.index}-v${ctx.versions}`;
      ctx.note(world.index, 'the password is changed on kite.zerodha.com');
      return;
    }
    case 'kite-totp': {
      ctx.kite.webLogin(world.index);
      ctx.versions += 1;
      ctx.kite.user(world.index).totpSecret = totpSecret(world.index * 100 + ctx.versions);
      ctx.note(world.index, 'the TOTP is enrolled again on Kite');
      return;
    }
    case 'config-fix': {
      const user = ctx.kite.user(world.index);
      configure(ctx, world, user.password, user.totpSecret, 'the configuration is fixed (after a login by hand on the web)');
      return;
    }
    case 'config-typo': {
      ctx.versions += 1;
      configure(ctx, world, `${ctx.kite.user(world.index).password}-typo${ctx.versions}`, world.env['KITE_TOTP_SECRET'] ?? '', 'the configured password is changed to a wrong one (after a login by hand on the web)');
      return;
    }
    case 'set-clock': return setClock(ctx, event.skewSeconds, beatAll);
    case 'suspend': {
      ctx.note('all', `the machine sleeps ${event.minutes} min`);
      ctx.machine.suspendUntil(ctx.machine.wall + event.minutes * 60_000);
      return beatAll('tick');
    }
    case 'restart': {
      ctx.note('all', 'the daemon restarts');
      for (const w of ctx.worlds) w.daemon.stop();
      ctx.poweredOff = false;
      return beatAll('start');
    }
    case 'power-off': {
      ctx.note('all', 'the machine is switched off');
      for (const w of ctx.worlds) w.daemon.stop();
      ctx.poweredOff = true;
      return;
    }
  }
}

function configure(ctx: HistoryContext, world: AccountWorld, password: string, secret: string, what: string): void {
  ctx.kite.webLogin(world.index);
  const passwordChanged = world.env['KITE_PASSWORD'] !== password;
  const changed = passwordChanged || world.env['KITE_TOTP_SECRET'] !== secret;
  world.env = { ...world.env, KITE_PASSWORD: password, KITE_TOTP_SECRET: secret };
  world.config = testDaemonConfig(world.dir, world.env);
  if (changed) ctx.kite.configChanged(world.index, passwordChanged);
  ctx.note(world.index, changed ? what : `${what}: nothing changed`);
}

async function setClock(ctx: HistoryContext, skewSeconds: number, beatAll: BeatAll): Promise<void> {
  const before = ctx.machine.wall;
  const jump = skewSeconds * 1000 - ctx.skewMs;
  ctx.skewMs = skewSeconds * 1000;
  ctx.machine.setClock(before + jump);
  ctx.note('all', `the clock is set ${Math.round(jump / 1000)} s (now ${skewSeconds} s off Kite's)`);
  await beatAll('tick');
  // Set back across the slot: node-cron fires again when the clock gets there.
  const slot = scheduledTime(ctx.schedule, zonedDay(ctx.machine.now(), ctx.schedule.timeZone))?.getTime();
  if (slot !== undefined && ctx.machine.wall < slot && before > slot) {
    ctx.machine.idleUntil(slot);
    await beatAll('cron');
  }
}

async function manualLogin(ctx: HistoryContext, world: AccountWorld, mode: 'plain' | 'dry-run' | 'force'): Promise<void> {
  const via = mode === 'dry-run' ? 'login --dry-run' : 'login';
  const request: LoginRequest = mode === 'plain' ? { force: false } : mode === 'force' ? { force: true } : { dryRun: true };
  const before = ctx.kite.savedTokenLive(world.index, world.config.tokenFile);
  try {
    const outcome = await loginAs(ctx, world, request, via);
    ctx.note(world.index, `\`kite-autologin ${via}${mode === 'force' ? ' --force' : ''}\`: ${outcome.kind}`);
    if (mode === 'plain' && before.current && outcome.kind !== 'still-valid') ctx.violation(world.index, `\`login\` answered ${outcome.kind} while today's token was valid`);
  } catch (error) {
    failed(ctx, world, `\`kite-autologin ${via}${mode === 'force' ? ' --force' : ''}\``, error);
    if (mode === 'plain' && before.current) ctx.violation(world.index, `\`login\` failed (${codeOf(error)}) while today's token was valid: a stop hid it`);
  }
}

async function runOnce(ctx: HistoryContext, world: AccountWorld): Promise<void> {
  const before = ctx.kite.savedTokenLive(world.index, world.config.tokenFile);
  try {
    const result = await runMorning(morningDepsOf(ctx, world, 'run --once', undefined), 'once');
    ctx.note(world.index, `\`kite-autologin run --once\`: ${describeResult(result)}`);
    // A closed day says so and exits 0 (README): it hides nothing.
    if (before.current && result.kind !== 'closed' && !(result.kind === 'done' && result.outcome.kind === 'still-valid')) {
      ctx.violation(world.index, `\`run --once\` ended ${describeResult(result)} while today's token was valid`);
    }
  } catch (error) {
    failed(ctx, world, '`kite-autologin run --once`', error);
    if (before.current) ctx.violation(world.index, `\`run --once\` failed (${codeOf(error)}) while today's token was valid`);
  }
}

/** A person logs in by hand on kite.zerodha.com (resetting Kite's counts), then runs `kite-autologin resume`. */
async function resume(ctx: HistoryContext, world: AccountWorld): Promise<void> {
  ctx.kite.webLogin(world.index);
  ctx.stats.resumes += 1;
  const said: string[] = [];
  try {
    await atFixedTime(ctx.machine.wall, () => resumeCommand.run({
      args: [], cwd: world.dir, out: (line) => { said.push(line); }, signal: new AbortController().signal, interactive: false,
      env: { ...ctx.historyHome.env, KITE_API_KEY: world.apiKey, KITE_USER_ID: world.userId, TOKEN_FILE: world.config.tokenFile },
    }));
    ctx.kite.resumed(world.index);
    ctx.note(world.index, `logged in by hand on the web, then \`kite-autologin resume\`: ${said[0] ?? ''}`);
  } catch (error) {
    failed(ctx, world, '`kite-autologin resume`', error);
  }
}

function failed(ctx: HistoryContext, world: AccountWorld, what: string, error: unknown): void {
  if (error instanceof ProcessKilled) {
    ctx.note(world.index, `${what}: the process was killed`);
    return;
  }
  if (!isAutologinError(error)) {
    ctx.unexpected(what, error);
    return;
  }
  if (error.code === 'HALTED' || error.code === 'ATTEMPT_BUDGET_SPENT') ctx.stats.refusals += 1;
  ctx.note(world.index, `${what}: ${error.code}${error.step ? ` at ${error.step}` : ''}`);
}
