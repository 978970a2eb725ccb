import type { BaseConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { withAnnouncer, type TokenAnnouncer } from './announce.js';
import { ConfigError } from '../errors/config-error.js';
import { markDatabase, refuseIfDatabaseKnown } from './files/database-marker.js';
import { filesHome } from './files/files-home.js';
import { refuseUnmigrated, type AccountPlace } from './files/unmigrated.js';
import type { RecordHome } from './record.js';

export interface OpenHomeOptions {
  logger?: Logger | undefined;
  /** Announces new tokens (Redis, with REDIS_URL); built by the caller, which owns that connection. */
  announcer?: TokenAnnouncer | undefined;
  /** The accounts this command serves: each STATE_DIR remembers a database it has known, and may hold file ledgers not yet moved into it. */
  places: readonly AccountPlace[];
  /**
   * What the command does with the records: `read` (status, health) changes nothing on disk;
   * `write` (login, run, resume) marks each STATE_DIR as the database's and is refused while
   * a file ledger has not been moved into the database; `migrate` is the one that moves them.
   */
  use: 'read' | 'write' | 'migrate';
  now?: () => Date;
}

/**
 * The one place where the home of the accounts' records is chosen: PostgreSQL when
 * DATABASE_URL is set (refused for writing while a file ledger waits for `migrate`), else
 * files in STATE_DIR (refused where a STATE_DIR has known a database). Every command and the daemon get their records from the home this returns and
 * never ask again where they live.
 */
export async function openHome(config: BaseConfig, options: OpenHomeOptions): Promise<RecordHome> {
  const now = options.now ?? (() => new Date());
  const stateDirs = new Set(options.places.map((place) => place.stateDir));
  if (config.database) {
    // pg loads only here: a files-only host never pays for it.
    const { openPostgresHome } = await import('./postgres/index.js');
    if (options.use === 'write') await refuseUnmigrated(options.places);
    const home = await openPostgresHome(config.database, { logger: options.logger });
    // Each STATE_DIR remembers the database, so a later run there without DATABASE_URL is refused; a look (status) marks nothing.
    try {
      if (options.use !== 'read') for (const dir of stateDirs) await markDatabase(dir, withoutPassword(config.database.url), now());
    } catch (error) {
      await home.close();
      throw new ConfigError([{ variable: 'STATE_DIR', message: `cannot remember there that this host's records live in a database (${(error as NodeJS.ErrnoException).code ?? 'error'}); make it a writable folder` }]);
    }
    return withAnnouncer(home, options.announcer);
  }
  for (const dir of stateDirs) await refuseIfDatabaseKnown(dir);
  return withAnnouncer(filesHome(), options.announcer);
}

/** The URL as a person may read it: no password, no query. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return 'a database';
  }
}
