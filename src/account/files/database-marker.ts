import { readText } from '../../disk/read.js';
import { join } from 'node:path';
import { ConfigError } from '../../errors/config-error.js';

/**
 * A STATE_DIR that has known a database remembers it: a file there says which database (its
 * URL without the password) keeps this host's records since when. A command run there
 * without DATABASE_URL would otherwise start fresh file ledgers that know none of the stops
 * and counts the database keeps.
 */
export const DATABASE_MARKER = 'kite-autologin-database.json';

export interface DatabaseMark { database: string; since: string }

export async function readDatabaseMark(stateDir: string): Promise<DatabaseMark | undefined> {
  let text: string;
  try {
    text = await readText(join(stateDir, DATABASE_MARKER));
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw new ConfigError([{ variable: 'STATE_DIR', message: `cannot read ${join(stateDir, DATABASE_MARKER)} (${(error as NodeJS.ErrnoException).code ?? 'error'}), which says whether this folder's records live in a database; fix its permissions` }]);
  }
  try {
    const parsed = JSON.parse(text) as Partial<DatabaseMark>;
    return { database: typeof parsed.database === 'string' ? parsed.database : 'a database', since: typeof parsed.since === 'string' ? parsed.since : 'an unknown time' };
  } catch {
    return { database: 'a database', since: 'an unknown time' };
  }
}

/** Files mode in a STATE_DIR that has known a database: refused, naming DATABASE_URL. */
export async function refuseIfDatabaseKnown(stateDir: string): Promise<void> {
  const mark = await readDatabaseMark(stateDir);
  if (!mark) return;
  throw new ConfigError([{
    variable: 'DATABASE_URL',
    message: `is not set, but the records of this STATE_DIR (${stateDir}) live in ${mark.database} since ${mark.since} (${join(stateDir, DATABASE_MARKER)}): set DATABASE_URL (or DATABASE_URL_FILE) as on the other runs, so its stops and counts hold. To keep files here again, remove that file by hand, knowing that what the database recorded is not in the files.`,
  }]);
}

/** Remembers the database in STATE_DIR (0600); a folder that cannot take it is reported by the caller. */
export async function markDatabase(stateDir: string, database: string, now: Date): Promise<void> {
  if (await readDatabaseMark(stateDir)) return;
  const { writeAtomically } = await import('../../disk/write.js');
  await writeAtomically(join(stateDir, DATABASE_MARKER), `${JSON.stringify({ database, since: now.toISOString() }, null, 2)}\n`);
}
