import { spawn, type ChildProcess } from 'node:child_process';

/** How a bounded command ended. */
export type CommandEnd =
  | { kind: 'exited'; exitCode: number }
  /** Ended by a signal that did not come from here. */
  | { kind: 'signalled'; signal: string }
  /** Still running at `timeoutMs`: its process group was killed. */
  | { kind: 'timed-out' }
  /** The caller's signal fired: its process group was killed. */
  | { kind: 'aborted' }
  /** It never ran (`reason`: an errno code such as ENOENT). */
  | { kind: 'not-started'; reason: string };

export interface CommandRun {
  end: CommandEnd;
  /** What it wrote to stdout and stderr, in the order it arrived, bounded (see BoundedOutput). */
  output: string;
  /** How many bytes it wrote in all. */
  outputBytes: number;
  durationMs: number;
}

export interface RunCommandOptions {
  file: string;
  args: readonly string[];
  /** Its whole environment: nothing is inherited. */
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Then SIGTERM to its process group, and SIGKILL `killGraceMs` later. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** The most of its output kept, in bytes. Default 4096. */
  outputLimit?: number;
  /** Stops it like the timeout does. */
  signal?: AbortSignal | undefined;
  /**
   * After it exits, how long its pipes are still read: a process it left running in the
   * background may hold them open for ever, and must not hold the caller. Default 1 s.
   */
  drainMs?: number;
}

/**
 * Runs a program in a process group of its own (detached), bounded in time and in what it
 * may print, and says how it ended. Never rejects: a program that cannot start, fails, hangs
 * or floods its output is an answer, not an error. Whatever it started in its group is
 * killed with it at the timeout (SIGTERM, then SIGKILL), and if this process exits first.
 * What it leaves running after a normal exit is its own business and is not touched.
 */
export function runCommand(options: RunCommandOptions): Promise<CommandRun> {
  const started = performance.now();
  const output = new BoundedOutput(options.outputLimit ?? 4096);
  const result = (end: CommandEnd): CommandRun => ({ end, output: output.text(), outputBytes: output.bytes, durationMs: Math.round(performance.now() - started) });
  if (options.signal?.aborted) return Promise.resolve(result({ kind: 'aborted' }));

  let child: ChildProcess;
  try {
    child = spawn(options.file, [...options.args], { cwd: options.cwd, env: { ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (error) {
    return Promise.resolve(result({ kind: 'not-started', reason: codeOf(error) }));
  }
  return new Promise<CommandRun>((resolve) => {
    const group = new ProcessGroup(child, options.killGraceMs ?? 5_000);
    let stoppedFor: 'timed-out' | 'aborted' | undefined;
    let exit: CommandEnd | undefined;
    let drain: NodeJS.Timeout | undefined;
    let done = false;

    const stop = (why: 'timed-out' | 'aborted'): void => {
      if (exit !== undefined || stoppedFor !== undefined) return;
      stoppedFor = why;
      group.stop();
    };
    const timer = setTimeout(() => stop('timed-out'), options.timeoutMs);
    const onAbort = (): void => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (end: CommandEnd): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(drain);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      group.settled(stoppedFor !== undefined);
      resolve(result(end));
    };

    child.stdout?.on('data', (chunk: Buffer) => { output.add(chunk); });
    child.stderr?.on('data', (chunk: Buffer) => { output.add(chunk); });
    child.on('error', (error) => {
      // Only a failed start ends the run here; a failed kill is not the command's end.
      if (child.pid === undefined) finish({ kind: 'not-started', reason: codeOf(error) });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ended: CommandEnd = stoppedFor !== undefined ? { kind: stoppedFor } : code !== null ? { kind: 'exited', exitCode: code } : { kind: 'signalled', signal: signal ?? 'unknown' };
      exit = ended;
      drain = setTimeout(() => finish(ended), options.drainMs ?? 1_000);
    });
    // Every pipe closed after the exit: all its output is in.
    child.on('close', () => {
      const ended = exit;
      if (ended !== undefined) finish(ended);
    });
  });
}

/**
 * The command's process group (its pid is the group's id, since it was started detached):
 * SIGTERM, then SIGKILL after the grace, to whatever of it is left. Polls (unref'd) whether
 * any of it is still alive, so that the SIGKILL timer does not hold the caller once it is all gone.
 */
class ProcessGroup {
  readonly #pid: number | undefined;
  readonly #graceMs: number;
  #killTimer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  // This process exiting (a second Ctrl-C) must not leave the command running on its own.
  readonly #onExit = (): void => { this.#signal('SIGKILL'); };

  constructor(child: ChildProcess, graceMs: number) {
    this.#pid = child.pid;
    this.#graceMs = graceMs;
    if (this.#pid !== undefined) process.once('exit', this.#onExit);
  }

  stop(): void {
    this.#signal('SIGTERM');
    this.#killTimer = setTimeout(() => this.#release(true), this.#graceMs);
    this.#poll = setInterval(() => { if (!this.#alive()) this.#release(false); }, 100);
    this.#poll.unref();
  }

  /** The leader has exited: a group that was not stopped is left alone (what it started in the background is its own). */
  settled(stopped: boolean): void {
    if (!stopped) this.#release(false);
  }

  #release(kill: boolean): void {
    if (kill) this.#signal('SIGKILL');
    clearTimeout(this.#killTimer);
    clearInterval(this.#poll);
    process.off('exit', this.#onExit);
  }

  #alive(): boolean {
    if (this.#pid === undefined) return false;
    try {
      process.kill(-this.#pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#pid === undefined) return;
    try {
      process.kill(-this.#pid, signal);
    } catch {
      // ESRCH: nothing of it is left.
    }
  }
}

/**
 * The first and the last halves of `limit` bytes of what a command printed, with a note in
 * between saying how much was left out: the start says what it did, the end why it failed.
 */
export class BoundedOutput {
  readonly #half: number;
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer = Buffer.alloc(0);
  #bytes = 0;

  constructor(readonly limit: number) {
    this.#half = Math.floor(limit / 2);
  }

  get bytes(): number {
    return this.#bytes;
  }

  add(chunk: Buffer): void {
    this.#bytes += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#half) {
      const taken = rest.subarray(0, this.#half - this.#headBytes);
      this.#head.push(Buffer.from(taken));
      this.#headBytes += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0) return;
    const room = this.limit - this.#half;
    const tail = Buffer.concat([this.#tail, rest]);
    // A copy: a slice would keep a flood's whole chunk alive.
    this.#tail = Buffer.from(tail.subarray(Math.max(0, tail.length - room)));
  }

  text(): string {
    const head = Buffer.concat(this.#head).toString('utf8');
    const tail = this.#tail.toString('utf8');
    const left = this.#bytes - this.#headBytes - this.#tail.length;
    return left > 0 ? `${head}\n[... ${left} bytes of output left out ...]\n${tail}` : `${head}${tail}`;
  }
}

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'error';
}
