import type { ErrorCode } from '../errors/error-code.js';
import { clockNote } from '../time/clock-offset.js';

/** What a person is told. Built from typed errors and fixed text only: never a secret. */
export interface Notice {
  event: 'login-succeeded' | 'login-failed' | 'halted' | 'still-halted' | 'attempt-hung' | 'redis-publish-failed' | 'hook-failed';
  /** One line, e.g. for a chat message's first line. */
  title: string;
  /** What happened, at which step, what the tool does next, where to look. */
  text: string;
  userId: string;
  day: string;
  at: string;
  code?: ErrorCode | undefined;
  step?: string | undefined;
  next: string;
  diagnostics?: readonly string[] | undefined;
  /** Kite's clock minus this machine's, when it was last measured. */
  kiteClockOffsetMs?: number | undefined;
}

export interface FailureFacts {
  userId: string;
  day: string;
  at: string;
  code: ErrorCode;
  step: string | undefined;
  message: string;
  attempts: number;
  halted: boolean;
  diagnostics: readonly string[];
  kiteClockOffsetMs?: number | undefined;
}

/** The command that clears this account's stop: `userId` is the user id, or a label ending in it ("Mother (CD5678)"). */
function resumeFor(userId: string): string {
  return `kite-autologin resume --account ${/\(([^()\s]+)\)$/.exec(userId)?.[1] ?? userId}`;
}

/** What clears the cause of a stop before `resume`: external TOTP set up for TOTP_NOT_ENABLED, the credentials or the clock otherwise. */
function fixFor(code: ErrorCode): string {
  return code === 'TOTP_NOT_ENABLED'
    ? 'Enable external TOTP on kite.zerodha.com (My profile > Password & Security), put its key in KITE_TOTP_SECRET'
    : 'Fix the credentials or the clock';
}

export function failureNotice(f: FailureFacts): Notice {
  const next = f.halted
    ? `Stopped: no login will be tried again (five wrong attempts block the account). ${fixFor(f.code)}, then run \`${resumeFor(f.userId)}\` (changing the credentials also clears it).`
    : 'Gave up for this morning. The next scheduled run will try again; to get a token now, run `kite-autologin login`.';
  const lines = [
    `${f.code}${f.step ? ` at step ${f.step}` : ''} after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.message}`,
    `Next: ${next}`,
  ];
  if (f.diagnostics.length > 0) lines.push(`Diagnostics: ${f.diagnostics.join(', ')}`);
  const clock = clockNote(f.kiteClockOffsetMs);
  if (clock) lines.push(clock);
  return {
    event: f.halted ? 'halted' : 'login-failed',
    title: `kite-autologin: no Kite token for ${f.userId} on ${f.day}`,
    text: lines.join('\n'),
    userId: f.userId, day: f.day, at: f.at, code: f.code, step: f.step, next, diagnostics: f.diagnostics,
    ...(f.kiteClockOffsetMs === undefined ? {} : { kiteClockOffsetMs: f.kiteClockOffsetMs }),
  };
}

/** A login attempt hung past its deadline and was abandoned (the morning goes on: a retry may pass). */
export function attemptHungNotice(f: { userId: string; day: string; at: string; step: string | undefined; message: string; retrying: boolean }): Notice {
  const next = f.retrying
    ? 'Retrying with a fresh browser while the deadline allows; `kite-autologin health` reports it until a login succeeds.'
    : 'Gave up for this morning; to get a token now, run `kite-autologin login`.';
  return {
    event: 'attempt-hung',
    title: `kite-autologin: a login attempt for ${f.userId} hung and was abandoned`,
    text: `ATTEMPT_TIMEOUT${f.step ? ` at step ${f.step}` : ''}: ${f.message}\nNext: ${next}`,
    userId: f.userId, day: f.day, at: f.at, code: 'ATTEMPT_TIMEOUT', step: f.step, next,
  };
}

/** `code`: what stopped the account (the stop's cause); `advice`: the stop's own words on what to do. */
export function stillHaltedNotice(f: { userId: string; day: string; at: string; code: ErrorCode; since: string; advice?: string | undefined }): Notice {
  const next = f.advice ?? `${fixFor(f.code)}, then run \`${resumeFor(f.userId)}\`.`;
  return {
    event: 'still-halted',
    title: `kite-autologin: still stopped, no login for ${f.userId} on ${f.day}`,
    text: `Stopped since ${f.since} after ${f.code}; no login was tried this morning.\nNext: ${next}`,
    userId: f.userId, day: f.day, at: f.at, code: f.code, next,
  };
}

export function successNotice(f: { userId: string; day: string; at: string; expiresAt: string; attempts: number; kiteClockOffsetMs?: number | undefined }): Notice {
  const next = 'Nothing to do.';
  const clock = clockNote(f.kiteClockOffsetMs);
  return {
    event: 'login-succeeded',
    title: `kite-autologin: Kite token ready for ${f.userId} on ${f.day}`,
    text: `Logged in after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}; the token is valid until ${f.expiresAt}.${clock ? `\n${clock}` : ''}`,
    userId: f.userId, day: f.day, at: f.at, next,
    ...(f.kiteClockOffsetMs === undefined ? {} : { kiteClockOffsetMs: f.kiteClockOffsetMs }),
  };
}

/**
 * The token is saved in the token file, but Redis did not take the copy (REDIS_URL): the
 * programs that read Redis do not have it yet. `message` is a RedisUnavailableError's safe
 * message (no URL, no password); `retrying` says whether kite-autologin keeps trying.
 */
export function redisPublishFailedNotice(f: {
  userId: string; day: string; at: string; tokenFile: string; message: string; attempts: number; retrying: boolean;
}): Notice {
  const next = f.retrying
    ? 'Retrying until Redis takes it or the session ends at 06:00 IST. Programs that read the token file already have it.'
    : 'Not retried by this process. Once Redis is back, run `kite-autologin login`: it copies the saved token to Redis without logging in again.';
  return {
    event: 'redis-publish-failed',
    title: `kite-autologin: the Kite token for ${f.userId} is saved, but Redis did not get it`,
    text: `The token for ${f.day} is in ${f.tokenFile}; copying it to Redis failed after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.message}\nNext: ${next}`,
    userId: f.userId, day: f.day, at: f.at, code: 'REDIS_UNAVAILABLE', step: 'save', next,
  };
}

/** How a failed ON_TOKEN_COMMAND ended (HookRun's failures). */
export type HookFailure =
  | { result: 'failed'; exitCode?: number | undefined; signal?: string | undefined }
  | { result: 'timed-out'; timeoutSeconds: number }
  | { result: 'not-started'; reason: string };

/**
 * ON_TOKEN_COMMAND failed after a new token. The token is saved (the login succeeded, and
 * nothing runs it again): the program that needed it may still have the old one. `command` is
 * the program's name only (the line may hold a secret); its output is in the log, not here.
 */
export function hookFailedNotice(f: { userId: string; day: string; at: string; command: string; tokenFile: string; expiresAt: string; failure: HookFailure }): Notice {
  const how = f.failure.result === 'timed-out'
    ? `did not finish within ${f.failure.timeoutSeconds}s and was killed`
    : f.failure.result === 'not-started'
      ? `could not be started (${f.failure.reason})`
      : f.failure.exitCode !== undefined ? `exited with code ${f.failure.exitCode}` : `was ended by ${f.failure.signal ?? 'a signal'}`;
  const next = 'Programs that read the token file have the new token; the one the command was for may not. '
    + 'Its output is in kite-autologin\'s log; fix the command and run it by hand with KITE_TOKEN_FILE set. It runs again after the next new token.';
  return {
    event: 'hook-failed',
    title: `kite-autologin: the command after the new token for ${f.userId} failed (the token is saved)`,
    text: `ON_TOKEN_COMMAND (${f.command}) ${how}. The token valid until ${f.expiresAt || 'unknown'} is saved in ${f.tokenFile}.\nNext: ${next}`,
    userId: f.userId, day: f.day, at: f.at, step: 'hook', next,
  };
}
