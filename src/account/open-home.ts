import type { BaseConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { withAnnouncer, type TokenAnnouncer } from './announce.js';
import { ConfigError } from '../errors/config-error.js';
import { markDatabase, refuseIfDatabaseKnown } from './files/database-marker.js';
import { filesHome } from './files/files-home.js';
import type { RecordHome } from './record.js';

export interface OpenHomeOptions {
  logger?: Logger | undefined;
  /** Announces new tokens (Redis, with REDIS_URL); built by the caller, which owns that connection. */
  announcer?: TokenAnnouncer | undefined;
  /** The STATE_DIRs of the accounts this command serves (each remembers a database it has known). */
  stateDirs: readonly string[];
  now?: () => Date;
}

/**
 * The one place where the home of the accounts' records is chosen: PostgreSQL when
 * DATABASE_URL is set, else files in STATE_DIR (refused where a STATE_DIR has known a
 * database). Every command and the daemon get their records from the home this returns and
 * never ask again where they live.
 */
export async function openHome(config: BaseConfig, options: OpenHomeOptions): Promise<RecordHome> {
  const now = options.now ?? (() => new Date());
  if (config.database) {
    // pg loads only here: a files-only host never pays for it.
    const { openPostgresHome } = await import('./postgres/index.js');
    const home = await openPostgresHome(config.database, { logger: options.logger });
    // Each STATE_DIR remembers the database, so a later run there without DATABASE_URL is refused.
    try {
      for (const dir of new Set(options.stateDirs)) await markDatabase(dir, withoutPassword(config.database.url), now());
    } catch (error) {
      await home.close();
      throw new ConfigError([{ variable: 'STATE_DIR', message: `cannot remember there that this host's records live in a database (${(error as NodeJS.ErrnoException).code ?? 'error'}); make it a writable folder` }]);
    }
    return withAnnouncer(home, options.announcer);
  }
  for (const dir of new Set(options.stateDirs)) await refuseIfDatabaseKnown(dir);
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
