import { readdirSync, readFileSync } from 'node:fs';

/** Memory of a process and all its descendants, read from /proc (Linux). */
export interface TreeSample {
  /** Sum of every process's resident set (shared pages counted in each: the upper bound). */
  rssBytes: number;
  /** Sum of proportional set sizes (shared pages split between their users). */
  pssBytes: number;
  processes: number;
  chromium: number;
}

function readKb(path: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(path, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid and its descendants, with their command names. */
export function processTree(rootPid: number): { pid: number; comm: string }[] {
  const children = new Map<number, number[]>();
  const comms = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const pid = Number(entry);
      comms.set(pid, stat.slice(stat.indexOf('(') + 1, close));
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone while we looked
    }
  }
  const tree: { pid: number; comm: string }[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (!comms.has(pid)) continue;
    tree.push({ pid, comm: comms.get(pid) as string });
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export function sampleTree(rootPid: number, withPss = true): TreeSample {
  const tree = processTree(rootPid);
  let rssBytes = 0;
  let pssBytes = 0;
  for (const { pid } of tree) {
    rssBytes += readKb(`/proc/${pid}/status`, 'VmRSS');
    if (withPss) pssBytes += readKb(`/proc/${pid}/smaps_rollup`, 'Pss');
  }
  return { rssBytes, pssBytes, processes: tree.length, chromium: tree.filter((p) => /chrom/i.test(p.comm)).length };
}

/** Samples the tree until `until` settles; returns the peak of each figure. */
export async function peakWhile(rootPid: number, until: Promise<unknown>, everyMs = 25): Promise<TreeSample> {
  const peak: TreeSample = { rssBytes: 0, pssBytes: 0, processes: 0, chromium: 0 };
  let done = false as boolean; // set by the callback, which narrowing does not see
  void until.finally(() => { done = true; });
  while (!done) {
    const s = sampleTree(rootPid);
    peak.rssBytes = Math.max(peak.rssBytes, s.rssBytes);
    peak.pssBytes = Math.max(peak.pssBytes, s.pssBytes);
    peak.processes = Math.max(peak.processes, s.processes);
    peak.chromium = Math.max(peak.chromium, s.chromium);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return peak;
}
