import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { lstat, readFile, realpath, stat } from 'node:fs/promises';

/*
 * The one owner of the file system (with write.ts and paths.ts): every read of a file the
 * tool makes goes through here. Errors keep node's `code` (ENOENT, EACCES...): callers name
 * the file and the variable, never its content.
 */

/** The file's text; throws (with `code`) when it cannot be read. */
export function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** The file's text, or undefined when there is no such file; any other failure throws (a folder in its place included). */
export async function readTextIfAny(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file's text, synchronously (configuration read at start, a lock's owner while asserting it); throws with `code`. */
export function readTextSync(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Its mode bits (permissions), synchronously. */
export function modeOf(path: string): { mode: number } {
  return { mode: statSync(path).mode };
}

/** What the lock's takeover needs of a path; undefined when it does not exist. */
export interface PathInfo { mtimeMs: number; ino: number; dev: number; isDirectory: boolean }

export async function infoOf(path: string): Promise<PathInfo | undefined> {
  try {
    const info = await stat(path);
    return { mtimeMs: info.mtimeMs, ino: info.ino, dev: info.dev, isDirectory: info.isDirectory() };
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** What is at the path itself (a link is not followed); undefined when nothing is. */
export async function kindOf(path: string): Promise<'file' | 'folder' | 'link' | 'other' | undefined> {
  try {
    const info = await lstat(path);
    return info.isFile() ? 'file' : info.isDirectory() ? 'folder' : info.isSymbolicLink() ? 'link' : 'other';
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes(codeOf(error) ?? '')) return undefined;
    throw error;
  }
}

/** The folder with its links resolved, or the path as given when it does not exist (yet). */
export async function resolvedFolder(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/** May this process run the file? */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path with its links resolved. */
export function realPath(path: string): string {
  return realpathSync(path);
}

/** node's error code of a file system failure. */
export function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
