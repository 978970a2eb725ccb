import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type writeFileAtomicType from 'write-file-atomic';

/*
 * The one owner of the file system's writes (with read.ts and paths.ts). Everything the tool
 * writes is private: files 0600, folders 0700.
 */

/** The folder, made (with its parents) 0700 when missing. */
export async function ensureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** A new file (fails with EEXIST if there is one), 0600. */
export async function writeNew(path: string, content: string | Buffer): Promise<void> {
  await writeFile(path, content, { mode: 0o600, flag: 'wx' });
}

/**
 * Temp file in the same folder, fsync, rename, mode set before the rename: a reader sees the
 * old file or the new one, never half of one. The library loads on the first write, so the
 * commands that only read (`status`, `health`) never pay for it.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await ensureFolder(dirname(path));
  const { default: writeFileAtomic } = (await import('write-file-atomic')) as unknown as { default: typeof writeFileAtomicType };
  await writeFileAtomic(path, text, { mode: 0o600, fsync: true });
}

/** Appends with O_APPEND and fsyncs before resolving: durable when it resolves. */
export async function appendSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'a', 0o600);
  try {
    await handle.appendFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates the file with its whole first content, atomically: written and fsynced under a
 * temporary name, then linked into place (fails with EEXIST if the file exists: an existing
 * one is never replaced), the folder fsynced. A crash never leaves an empty or half file.
 */
export async function createWhole(path: string, text: string): Promise<void> {
  const folder = dirname(path);
  await ensureFolder(folder);
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeNewSynced(temp, text);
  try {
    await link(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await chmod(folder, 0o700).catch(() => undefined);
  const dir = await open(folder, 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

/** Proves the folder takes a new file (made, written, fsynced, removed): no guess from permissions. */
export async function probeWritable(folder: string): Promise<void> {
  const probe = join(folder, `.kite-autologin-probe-${randomBytes(6).toString('hex')}`);
  try {
    await ensureFolder(folder);
    await writeNewSynced(probe, 'probe');
  } finally {
    await unlink(probe).catch(() => undefined);
  }
}

/** A new file (EEXIST if there is one), 0600, its content on disk (fsynced) when this resolves. */
async function writeNewSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
