import { utimesSync } from 'node:fs';
import { link, mkdir, rename, rm, rmdir, unlink, utimes } from 'node:fs/promises';

/*
 * The one owner of the file system's paths (with read.ts and write.ts): making a single
 * folder, moving, linking and removing, touching. The account's lock folder is built on these.
 */

/** One folder, 0700, its parent already there (fails with EEXIST if it exists). */
export async function makeFolder(path: string): Promise<void> {
  await mkdir(path, { mode: 0o700 });
}

export async function movePath(from: string, to: string): Promise<void> {
  await rename(from, to);
}

/** Removes a folder and what is in it; nothing when it is gone already. */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Removes a folder only when it is empty (fails with ENOTEMPTY otherwise). */
export async function removeEmptyFolder(path: string): Promise<void> {
  await rmdir(path);
}

export async function linkPath(existing: string, path: string): Promise<void> {
  await link(existing, path);
}

export async function removeFile(path: string): Promise<void> {
  await unlink(path);
}

/** Sets its times (a lock's refresh). */
export async function touch(path: string, at: Date): Promise<void> {
  await utimes(path, at, at);
}

/** The same, synchronously: called right before what two processes must never do at once. */
export function touchSync(path: string, at: Date): void {
  utimesSync(path, at, at);
}
