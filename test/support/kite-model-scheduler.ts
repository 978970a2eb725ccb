import { limiter } from '../../src/wiring/each-account.js';
import type { FakeMachine } from './year-daemon.js';
import { ProcessKilled } from './year-kite-model.js';

interface Sleeper { id: number; wakeMono: number; seq: number; resolve: () => void; reject: (error: Error) => void }

/**
 * Several tasks on one fake clock, deterministically: exactly one task runs at a time, and
 * the only place a task gives way is a sleep (or a wait for a login turn). When the running
 * task sleeps, the clock moves to the earliest wake-up (ties: the first to fall asleep) and
 * that task alone goes on. File I/O of the running task is awaited normally, so a history
 * replays the same way on every run whatever the disk's timing.
 */
class Group {
  readonly #machine: FakeMachine;
  readonly #sleepers: Sleeper[] = [];
  #running: number | undefined;
  #remaining: number;
  #seq = 0;
  #pending = false;
  killed = false;

  readonly #ids: Set<number>;

  constructor(machine: FakeMachine, ids: readonly number[]) {
    this.#machine = machine;
    this.#ids = new Set(ids);
    this.#remaining = ids.length;
  }

  has(id: number): boolean {
    return this.#ids.has(id);
  }

  sleep(id: number, ms: number): Promise<void> {
    if (this.killed) return Promise.reject(new ProcessKilled('the process was killed (simulated)'));
    return new Promise<void>((resolve, reject) => {
      this.#sleepers.push({ id, wakeMono: this.#machine.mono + Math.max(0, ms), seq: this.#seq++, resolve, reject });
      this.#give(id);
    });
  }

  /** The task waits for something another task releases (a login turn). */
  block(id: number): void {
    this.#give(id);
  }

  finish(id: number): void {
    this.#remaining -= 1;
    this.#give(id);
  }

  #give(id: number): void {
    if (this.#running === id) this.#running = undefined;
    if (this.#pending) return;
    this.#pending = true;
    // After every microtask: a turn handed over by a promise has reached its sleep(0) by then.
    setImmediate(() => {
      this.#pending = false;
      this.#step();
    });
  }

  #step(): void {
    if (this.#running !== undefined) return;
    if (this.#sleepers.length === 0) {
      if (this.#remaining > 0) throw new Error(`virtual time: ${this.#remaining} task(s) wait for each other with nobody running or sleeping`);
      return;
    }
    let next = 0;
    this.#sleepers.forEach((s, i) => {
      const best = this.#sleepers[next] as Sleeper;
      if (s.wakeMono < best.wakeMono || (s.wakeMono === best.wakeMono && s.seq < best.seq)) next = i;
    });
    const [sleeper] = this.#sleepers.splice(next, 1) as [Sleeper];
    this.#running = sleeper.id;
    if (this.killed) {
      sleeper.reject(new ProcessKilled('the process was killed (simulated)'));
      return;
    }
    const delta = sleeper.wakeMono - this.#machine.mono;
    if (delta > 0) {
      this.#machine.wall += delta;
      this.#machine.mono += delta;
    }
    sleeper.resolve();
  }
}

/**
 * The fake clock's `sleep` for the code under test, one per task (an account's daemon):
 * outside `together` it moves the clock at once (as FakeMachine.sleep); inside, it is a point
 * where another task may run.
 */
export class VirtualTime {
  readonly #machine: FakeMachine;
  #group: Group | undefined;

  constructor(machine: FakeMachine) {
    this.#machine = machine;
  }

  /** The sleep of task `id`. */
  sleepFor(id: number): (ms: number, signal?: AbortSignal) => Promise<void> {
    return (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new Error('aborted'));
      const group = this.#group;
      return group?.has(id) ? group.sleep(id, ms) : this.#machine.sleep(ms);
    };
  }

  /** The running group was killed (one process holds every task): each task's next sleep throws ProcessKilled. */
  get killed(): boolean {
    return this.#group?.killed ?? false;
  }

  /** The process that runs every task of the group dies now. */
  kill(): void {
    if (this.#group) this.#group.killed = true;
  }

  /** Runs the tasks side by side on the fake clock, one at a time (see Group); `id`s as given to sleepFor. */
  async together<T>(tasks: readonly { id: number; run: () => Promise<T> }[]): Promise<{ results: PromiseSettledResult<T>[]; killed: boolean }> {
    if (this.#group) throw new Error('virtual time: groups do not nest');
    const group = new Group(this.#machine, tasks.map((t) => t.id));
    this.#group = group;
    try {
      const running = tasks.map(async ({ id, run }) => {
        try {
          await group.sleep(id, 0);
          return await run();
        } finally {
          group.finish(id);
        }
      });
      const results = await Promise.allSettled(running);
      return { results, killed: group.killed };
    } finally {
      this.#group = undefined;
    }
  }

  /**
   * src/wiring/each-account.ts's limiter (LOGIN_CONCURRENCY), shared by every task; each
   * task's turn (`forTask(id)`) waits as a point where other tasks run.
   */
  limiter(limit: number): (id: number) => <R>(task: () => Promise<R>) => Promise<R> {
    const inner = limiter(limit);
    return (id) => (task) => {
      const group = this.#group;
      if (group?.has(id)) group.block(id);
      return inner(async () => {
        await this.sleepFor(id)(0);
        return task();
      });
    };
  }
}
