import { forkWorker, type ChildProcess } from '../process/fork-worker.js';
import { AbortedError, AttemptTimeoutError, BrowserError } from '../errors/index.js';
import { errorFromWire, type AttemptOutcome, type FromAttemptProcess, type ToAttemptProcess } from './attempt-protocol.js';
import { killAfterMs as budgetKillAfterMs } from './shutdown-budget.js';

const WORKER = new URL('./attempt-worker.js', import.meta.url);

/** Variables that hold secrets: they reach the attempt over its IPC channel, never its environment. */
export const SECRET_VARIABLES = /^(?:KITE_API_SECRET|KITE_PASSWORD|KITE_TOTP_SECRET|TELEGRAM_BOT_TOKEN|WEBHOOK_URL|HEARTBEAT_URL|REDIS_URL|DATABASE_URL)$/;

/** How long the attempt process outlives its last attempt (a retry or another account's turn reuses it). */
export const ATTEMPT_PROCESS_IDLE_MS = 30_000;

function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_VARIABLES.test(name)));
}

export interface AttemptProcessOptions {
  /** After every attempt in flight was aborted, how long the process has to exit on its own before SIGKILL. Default: within the shutdown budget. */
  killAfterMs?: number;
  /** How long the process stays after its last attempt ended. Default: ATTEMPT_PROCESS_IDLE_MS. */
  idleMs?: number;
  /** The worker module (tests hand in one of their own). */
  worker?: URL;
}

export interface AttemptRequest {
  /** The environment the attempt reads its configuration from, secrets included (sent over IPC). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** The account's label for the attempt's log lines (ACCOUNTS_FILE). Default: none. */
  account?: string;
  /**
   * The last resort against an attempt that hangs (the attempt's own deadline is enforced in
   * the process; this one holds if that process itself stops answering): it is then told to
   * abandon the attempt, the process is ended if it does not answer within `killAfterMs`, and
   * the attempt fails with ATTEMPT_TIMEOUT. Default: none.
   */
  deadlineMs?: number;
}

/**
 * The daemon's attempts, every account's, in ONE child process (one Chromium, a context per
 * attempt): started by the first attempt, gone `idleMs` after the last one ended.
 */
export interface AttemptProcess {
  /**
   * Runs one login attempt there and returns its outcome, or throws the typed error it reported.
   * Aborting tells the process to abandon this attempt only; once every attempt in flight is
   * aborted (the daemon stops), the process gets SIGTERM (it closes its browser itself) and,
   * if it has not exited `killAfterMs` later, SIGKILL. If the process dies, the attempts in
   * flight fail (BROWSER_FAILED) and the next attempt starts a new one.
   */
  attempt(signal: AbortSignal, request?: AttemptRequest): Promise<AttemptOutcome>;
  /** Ends the process (SIGTERM, SIGKILL after killAfterMs) and resolves once it is gone. */
  close(): Promise<void>;
  /** The live process's pid, if one is running (tests). */
  pid(): number | undefined;
}

interface Pending {
  resolve: (outcome: AttemptOutcome) => void;
  reject: (error: unknown) => void;
  aborted: boolean;
  /** Past its deadline: abandoned, and reported as ATTEMPT_TIMEOUT (unless it ended with a worse answer). */
  hung: boolean;
  release: () => void;
}

interface Worker {
  child: ChildProcess;
  pending: Map<number, Pending>;
  /** Takes no new attempt (idle, terminating or dead). */
  retired: boolean;
  exited: Promise<void>;
  timers: NodeJS.Timeout[];
  /** The idle countdown, restarted by each attempt's end and stopped by the next attempt. */
  idle?: NodeJS.Timeout | undefined;
}

function hungError(): AttemptTimeoutError {
  return new AttemptTimeoutError('The login attempt did not finish within its deadline and its process did not give it up: it was abandoned (the process ended if it had to).');
}

export function openAttemptProcess(options: AttemptProcessOptions = {}): AttemptProcess {
  const killAfterMs = options.killAfterMs ?? budgetKillAfterMs();
  const idleMs = options.idleMs ?? ATTEMPT_PROCESS_IDLE_MS;
  const alive = new Set<Worker>();
  let current: Worker | undefined;
  let nextId = 0;

  const send = (w: Worker, message: ToAttemptProcess): void => {
    // A closed channel means the process is dying: its 'exit' fails the attempts.
    if (w.child.connected) w.child.send(message, () => undefined);
  };
  const later = (w: Worker, fn: () => void, ms: number): void => { w.timers.push(setTimeout(fn, ms).unref()); };
  const retire = (w: Worker): void => {
    w.retired = true;
    if (current === w) current = undefined;
  };
  const terminate = (w: Worker): void => {
    retire(w);
    clearTimeout(w.idle);
    w.child.kill('SIGTERM');
    later(w, () => w.child.kill('SIGKILL'), killAfterMs);
  };
  const settled = (w: Worker): void => {
    if (w.retired) return;
    if (w.pending.size === 0) {
      // Idle: the process (and Playwright with it) goes unless another attempt comes first.
      clearTimeout(w.idle);
      w.idle = setTimeout(() => {
        retire(w);
        w.child.disconnect(); // the worker ends on its own; the kill is for one that hangs
        later(w, () => w.child.kill('SIGKILL'), killAfterMs);
      }, idleMs).unref();
    } else if ([...w.pending.values()].every((p) => p.aborted)) {
      terminate(w);
    }
  };

  const spawn = (): Worker => {
    const child = forkWorker(options.worker ?? WORKER, withoutSecrets(process.env), process.cwd());
    let exited!: () => void;
    const w: Worker = { child, pending: new Map(), retired: false, exited: new Promise((r) => { exited = r; }), timers: [] };
    alive.add(w);
    // If the daemon itself exits (a second signal), the attempts still wind down cleanly.
    const onExit = (): void => { child.kill('SIGTERM'); };
    process.once('exit', onExit);
    const failAll = (error: BrowserError): void => {
      for (const [id, p] of w.pending) { w.pending.delete(id); p.release(); p.reject(p.hung ? hungError() : error); }
    };
    child.on('message', (m: FromAttemptProcess) => {
      const p = w.pending.get(m.id);
      if (!p) return;
      w.pending.delete(m.id);
      p.release();
      if (m.ok) p.resolve(m.outcome);
      else p.reject(p.hung && m.error.code === 'ABORTED' ? hungError() : errorFromWire(m.error));
      settled(w);
    });
    child.on('error', (error) => {
      retire(w);
      failAll(new BrowserError('BROWSER_FAILED', `The login process did not start: ${error.message}`));
      if (child.pid === undefined) { process.off('exit', onExit); alive.delete(w); exited(); } // no 'exit' will come
    });
    child.on('exit', (code, killed) => {
      retire(w);
      for (const timer of [...w.timers, w.idle]) clearTimeout(timer);
      process.off('exit', onExit);
      alive.delete(w);
      failAll(new BrowserError('BROWSER_FAILED', `The login process ended (${killed ?? `exit code ${code}`}) without a result.`));
      exited();
    });
    return w;
  };

  return {
    pid: () => current?.child.pid,
    attempt: (signal, request = {}) => new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new AbortedError('Stopped before the attempt began.'));
        return;
      }
      const w = current && !current.retired ? current : spawn();
      current = w;
      clearTimeout(w.idle);
      const id = ++nextId;
      const onAbort = (): void => {
        const p = w.pending.get(id);
        if (!p) return;
        p.aborted = true;
        send(w, { type: 'abort', id });
        settled(w);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let deadline: NodeJS.Timeout | undefined;
      if (request.deadlineMs !== undefined) {
        deadline = setTimeout(() => {
          const p = w.pending.get(id);
          if (!p) return;
          p.hung = true;
          onAbort();
          // The process did not end the attempt itself: it is ended (its other attempts fail as after a crash).
          later(w, () => { if (w.pending.has(id)) terminate(w); }, killAfterMs);
        }, request.deadlineMs);
        deadline.unref();
      }
      w.pending.set(id, {
        resolve, reject, aborted: false, hung: false,
        release: () => { clearTimeout(deadline); signal.removeEventListener('abort', onAbort); },
      });
      // The whole environment, secrets included, goes over the IPC channel (a pipe only the two ends hold).
      send(w, { type: 'attempt', id, env: request.env ?? process.env, ...(request.account === undefined ? {} : { account: request.account }) });
    }),
    close: async () => {
      for (const w of alive) if (w.child.exitCode === null && w.child.signalCode === null) terminate(w);
      await Promise.all([...alive].map((w) => w.exited));
    },
  };
}
