import { basename, dirname, join, resolve } from 'node:path';
import { accountFiles } from '../account/files/account-files.js';
import { DATABASE_MARKER } from '../account/files/database-marker.js';
import type { Account } from '../account/record.js';
import { kindOf, resolvedFolder } from '../disk/read.js';
import { ConfigError, type ConfigProblem } from '../errors/config-error.js';

/** One account's token file as configured, and what names it in a problem. */
export interface TokenFileOf { account: Account | undefined; tokenFile: string; stateDir: string; variable: string }

/** The tool's own files in a folder: ledgers, state files, locks, the database note, the old state file. */
const OWN = /^kite-autologin-.+\.(?:ledger\.jsonl|state\.json|lock)(?:\..*)?$|^kite-autologin-state\.json$/;

/**
 * A token file may be anywhere the user likes, but never one of the tool's own records (an
 * account's ledger, state file or lock, the database note), never another account's token
 * file, and never anything but a regular file (a link, a folder, a device): writing the token
 * there would destroy a record or write through to somewhere else. Every problem at once.
 */
export async function checkTokenFiles(files: readonly TokenFileOf[]): Promise<void> {
  const problems: ConfigProblem[] = [];
  const where = async (path: string): Promise<string> => join(await resolvedFolder(dirname(resolve(path))), basename(path));
  const records = new Set<string>();
  for (const f of files) {
    if (!f.account) continue;
    const own = accountFiles({ tokenFile: f.tokenFile, stateDir: f.stateDir }, f.account);
    for (const path of [own.ledger, own.state, own.lock, own.legacyState, join(f.stateDir, DATABASE_MARKER)]) records.add(await where(path));
  }
  const seen = new Map<string, string>();
  for (const f of files) {
    const path = await where(f.tokenFile);
    if (records.has(path) || OWN.test(basename(path)) || basename(path) === DATABASE_MARKER) {
      problems.push({ variable: f.variable, message: `${path} is one of kite-autologin's own records (a ledger, state file, lock or note); point it at a token file of its own` });
      continue;
    }
    const other = seen.get(path);
    if (other !== undefined) problems.push({ variable: f.variable, message: `${path} is also ${other}'s token file; each account needs its own` });
    seen.set(path, f.variable);
    const kind = await kindOf(path).catch(() => 'other' as const);
    if (kind !== undefined && kind !== 'file') problems.push({ variable: f.variable, message: `${path} is a ${kind === 'link' ? 'symbolic link' : kind}, not a regular file; the token is only written to a regular file` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
