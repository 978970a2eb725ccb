import { LockedError } from '../../errors/locked-error.js';
import type { AccountId } from './account-rows.js';
import type { Sql } from './pg-connection.js';
import { LOCK_SPACE } from './schema.js';

/*
 * An account's lock: the session-level advisory lock (LOCK_SPACE, accounts.id) in the
 * database, which the server drops with the session that took it (closed, killed, its host
 * gone silent past the keepalives, the server restarted). Two int4 keys: pg_locks shows them
 * as classid and objid, with objsubid 2.
 */

/** The lock's row of pg_locks (of the table named `l`), granted, keys $1 and $2. */
const MATCH = `l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** First pause between tries while another session holds the lock, growing to MAX_DELAY_MS. */
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

export interface WaitSettings {
  waitMs: number;
  signal: AbortSignal | undefined;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  monotonic: () => number;
}

/**
 * Takes the lock on `session`, trying again with a growing pause while another session holds
 * it. Throws LockedError (naming the holder as the database knows it) once `waitMs` has passed;
 * the signal's reason when aborted; a failed statement as it was raised.
 */
export async function takeAdvisoryLock(session: Sql, pool: Sql, id: AccountId, what: string, wait: WaitSettings): Promise<void> {
  const started = wait.monotonic();
  let delay = FIRST_DELAY_MS;
  for (;;) {
    wait.signal?.throwIfAborted();
    const rows = await session.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS taken', [LOCK_SPACE, id]);
    if (rows[0]?.taken === true) {
      if (wait.signal?.aborted !== true) return;
      // Stopped while the lock was being taken: given back before giving up.
      await session.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, id]);
      wait.signal.throwIfAborted();
    }
    const waited = wait.monotonic() - started;
    const remaining = wait.waitMs - waited;
    if (remaining <= 0) {
      const holder = await describeHolder(pool, id).catch(() => 'another session');
      throw new LockedError(`${holder} holds ${what} (a login is running there); gave up waiting after ${String(Math.round(waited / 1000))}s.`);
    }
    await wait.sleep(Math.min(delay, remaining), wait.signal);
    delay = Math.min(MAX_DELAY_MS, delay * 1.5);
  }
}

/** Does this session hold the lock? Asked of the server; rejects when the session cannot answer. */
export async function holdsAdvisoryLock(session: Sql, id: AccountId): Promise<boolean> {
  const rows = await session.query<{ held: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE ${MATCH} AND l.pid = pg_backend_pid()) AS held`, [LOCK_SPACE, id]);
  return rows[0]?.held === true;
}

/** Does any session hold the lock now? */
export async function advisoryLockHeld(sql: Sql, id: AccountId): Promise<boolean> {
  const rows = await sql.query<{ held: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE ${MATCH}) AS held`, [LOCK_SPACE, id]);
  return rows[0]?.held === true;
}

/** Gives the lock back; the session's end would too, this is only sooner. */
export async function releaseAdvisoryLock(session: Sql, id: AccountId): Promise<void> {
  await session.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, id]);
}

/** "kite-autologin hold (pid 12 on host-a), connected since ...", from pg_stat_activity. */
async function describeHolder(sql: Sql, id: AccountId): Promise<string> {
  const rows = await sql.query<{ name: string | null; since: Date | null }>(
    `SELECT a.application_name AS name, a.backend_start AS since FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE ${MATCH} LIMIT 1`,
    [LOCK_SPACE, id],
  );
  const row = rows[0];
  if (row === undefined) return 'Another session';
  // Another host's words: printable characters only, and short.
  const name = (row.name ?? '').replace(/[^\x20-\x7e]/g, '').slice(0, 63) || 'a session';
  return `${name}${row.since ? `, connected since ${row.since.toISOString()},` : ''}`;
}
