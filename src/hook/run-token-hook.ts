import type { MorningRecord } from '../account/record.js';
import type { HookConfig, RawConfig } from '../config/index.js';
import { describeUnexpected } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { hookFailedNotice, type HookFailure } from '../notify/notice.js';
import type { Notifier } from '../notify/notifier.js';
import { runCommand, type CommandRun } from '../process/run-command.js';
import type { HookRun } from '../state/autologin-state.js';
import { istDate } from '../time/ist.js';
import { TokenStore } from '../token-store.js';
import { commandName } from './command-name.js';
import { hookEnv, type NewToken } from './hook-env.js';
import { redact } from './redact.js';

/** The most of the command's output that reaches the log: the start and the end of it. */
export const OUTPUT_LIMIT = 4096;

export interface TokenHookDeps {
  logger: Logger;
  /** Where a failure is told (WEBHOOK_URL, Telegram). Default: nowhere but the log. */
  notifier?: Notifier | undefined;
  /** The account's morning record: the run is kept there, for `status`. */
  morning: MorningRecord;
  /** The tool's environment: the command's PATH and HOME come from it, and nothing else. */
  env: RawConfig;
  /** The command's working directory: the tool's. */
  cwd: string;
  /** How alerts name the account (`Mother (CD5678)`). Default: the user id. */
  title?: string | undefined;
  /** The configuration's secrets, blanked out of the logged output (the token's own are read from the token file). */
  secrets?: readonly string[] | undefined;
  /** Default: the real clock. */
  now?: () => Date;
  /** Runs the command. Default: the real runner (src/process/run-command.ts). */
  run?: typeof runCommand;
}

/**
 * ON_TOKEN_COMMAND for one new token (certbot's --deploy-hook): `/bin/sh -c` the line, with an
 * allow-listed environment (hook-env.ts), bounded by its timeout; its output logged (bounded,
 * secrets blanked), its run kept in the morning record, a failure alerted. Never throws: the
 * token is saved whatever the command does, and the login's exit code stays the login's.
 * `signal` (the tool stopping) kills it like the timeout.
 */
export async function runTokenHook(hook: HookConfig, token: NewToken, deps: TokenHookDeps, signal?: AbortSignal): Promise<HookRun> {
  const now = deps.now ?? (() => new Date());
  const command = commandName(hook.command);
  const log = deps.logger.child({ hook: command });
  const at = now();
  log.info({ userId: token.userId, expiresAt: token.expiresAt, timeoutSeconds: hook.timeoutMs / 1000 }, 'running ON_TOKEN_COMMAND for the new token');
  let ran: CommandRun;
  try {
    ran = await (deps.run ?? runCommand)({
      file: '/bin/sh', args: ['-c', hook.command], env: hookEnv(deps.env, token), cwd: deps.cwd,
      timeoutMs: hook.timeoutMs, outputLimit: OUTPUT_LIMIT, signal,
    });
  } catch (error) {
    // The runner never rejects; a bug in it must not fail a login whose token is saved.
    ran = { end: { kind: 'not-started', reason: describeUnexpected(error) }, output: '', outputBytes: 0, durationMs: 0 };
  }
  const run = hookRunOf(ran, at, token.expiresAt, command);
  const output = ran.output.length > 0 ? redact(ran.output, [...await tokenSecrets(token.tokenFile), ...(deps.secrets ?? [])]) : undefined;
  const fields = { result: run.result, exitCode: run.exitCode, signal: run.signal, reason: run.reason, durationMs: run.durationMs, outputBytes: ran.outputBytes, output };
  if (run.result === 'ok') log.info(fields, 'ON_TOKEN_COMMAND done');
  else if (run.result === 'interrupted') log.warn(fields, 'ON_TOKEN_COMMAND was killed: kite-autologin is stopping; the token is saved');
  else log.error(fields, `ON_TOKEN_COMMAND ${run.result === 'timed-out' ? 'did not finish in time and was killed' : 'failed'}; the token is saved`);

  await deps.morning.update((state) => { state.hook = run; })
    .catch((error: unknown) => log.warn({ record: deps.morning.place, err: describeUnexpected(error) }, 'could not record the ON_TOKEN_COMMAND run'));
  const failure = failureOf(run, hook);
  if (failure && deps.notifier) {
    await deps.notifier.notify(hookFailedNotice({
      userId: deps.title ?? token.userId, day: istDate(at), at: now().toISOString(), command, tokenFile: token.tokenFile, expiresAt: token.expiresAt, failure,
    })).catch(() => undefined);
  }
  return run;
}

/** The run as the morning record keeps it. */
export function hookRunOf(ran: CommandRun, at: Date, expiresAt: string, command: string): HookRun {
  const base = { at: at.toISOString(), expiresAt, command, durationMs: ran.durationMs };
  switch (ran.end.kind) {
    case 'exited': return { ...base, result: ran.end.exitCode === 0 ? 'ok' : 'failed', exitCode: ran.end.exitCode };
    case 'signalled': return { ...base, result: 'failed', signal: ran.end.signal };
    case 'timed-out': return { ...base, result: 'timed-out' };
    case 'aborted': return { ...base, result: 'interrupted' };
    case 'not-started': return { ...base, result: 'not-started', reason: ran.end.reason };
  }
}

/** What an alert says of a run; none for a success, or for a kill because the tool itself was stopping (a person did that). */
function failureOf(run: HookRun, hook: HookConfig): HookFailure | undefined {
  switch (run.result) {
    case 'ok':
    case 'interrupted': return undefined;
    case 'timed-out': return { result: 'timed-out', timeoutSeconds: hook.timeoutMs / 1000 };
    case 'not-started': return { result: 'not-started', reason: run.reason ?? 'error' };
    case 'failed': return { result: 'failed', exitCode: run.exitCode, signal: run.signal };
  }
}

/** The token's own secrets, from the file just written; none when it cannot be read. */
async function tokenSecrets(tokenFile: string): Promise<string[]> {
  const read = await new TokenStore(tokenFile).read().catch(() => undefined);
  return read?.state === 'ok' ? [read.token.access_token, read.token.public_token].filter((s) => typeof s === 'string') : [];
}
