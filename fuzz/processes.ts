import { readdirSync, readFileSync } from 'node:fs';

/** The mark every process of one fuzzed login carries (the CLI passes it on to Chromium). */
export const MARK = 'KITE_AUTOLOGIN_TEST';

interface Proc { ppid: number; comm: string; mark: string | undefined }

function processes(): Map<number, Proc> {
  const procs = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      let mark: string | undefined;
      try {
        mark = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0')
          .find((v) => v.startsWith(`${MARK}=`))?.slice(MARK.length + 1);
      } catch {
        // not ours to read
      }
      procs.set(Number(entry), { ppid, comm, mark });
    } catch {
      // gone while we looked
    }
  }
  return procs;
}

/**
 * Pids of every process started for the login marked `mark`: those carrying the mark, and
 * all their descendants (Chromium's renderers reuse their environment block, so only the
 * browser shows the mark).
 */
export function markedProcesses(mark: string): number[] {
  const procs = processes();
  const found = new Set<number>();
  for (const [pid, p] of procs) if (p.mark === mark) found.add(pid);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!found.has(pid) && found.has(p.ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/** A process's start time (clock ticks since boot): tells a pid from a later one that reuses it. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Remembers, while a login runs, every process of its tree: should Chromium ever lose the
 * mark, it is still known from when its parent (the marked CLI) was alive.
 */
export class ProcessWatch {
  readonly #seen = new Map<number, string>();
  readonly #timer: NodeJS.Timeout;

  constructor(readonly mark: string) {
    this.#timer = setInterval(() => this.sample(), 500);
    this.#timer.unref();
  }

  sample(): void {
    for (const pid of markedProcesses(this.mark)) {
      const start = startTime(pid);
      if (start !== undefined && !this.#seen.has(pid)) this.#seen.set(pid, start);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The remembered processes that still run (same pid, same start time). */
  alive(): number[] {
    return [...this.#seen].filter(([pid, start]) => startTime(pid) === start).map(([pid]) => pid);
  }
}

/**
 * SIGKILLs a process group, every marked process and every process `watch` saw, then waits
 * (up to 5 s) until none is left.
 */
export async function killAll(pgid: number | undefined, mark: string, watch?: ProcessWatch): Promise<number[]> {
  watch?.sample();
  watch?.stop();
  if (pgid !== undefined) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (const pid of watch?.alive() ?? []) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  const deadline = Date.now() + 5_000;
  let left = markedProcesses(mark);
  while (left.length > 0 && Date.now() < deadline) {
    for (const pid of left) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await new Promise((r) => setTimeout(r, 100));
    left = [...new Set([...markedProcesses(mark), ...(watch?.alive() ?? [])])].filter((pid) => {
      // A zombie waiting for its parent is dead already.
      try { return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
    });
  }
  return left;
}
