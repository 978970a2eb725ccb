import { VERSION } from '../../version.js';
import type { Sql } from './pg-connection.js';
import { inTransaction } from './transaction.js';

/** The tool's own schema: nothing of it lives in `public`, and every statement names it. */
export const SCHEMA = 'kite_autologin';

/**
 * The advisory-lock space of kite-autologin ("kal\0"): the first key of every advisory lock
 * it takes. The second is an account's id (accounts.id, from 1), or 0 for the schema itself.
 */
export const LOCK_SPACE = 0x6b616c00;
export const SCHEMA_LOCK_ID = 0;

/**
 * Each migration brings the schema from the version before it to its own, in one transaction.
 * Append only: a released migration is never edited (a database may already be at it).
 */
const MIGRATIONS: readonly { version: number; statements: readonly string[] }[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE ${SCHEMA}.accounts (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        api_key text NOT NULL CHECK (api_key <> ''),
        -- Kite's user ids are case-insensitive; the ledger's header keeps them upper-case too.
        user_id text NOT NULL CHECK (user_id <> '' AND user_id = upper(user_id)),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (api_key, user_id)
      )`,
      // The attempt ledger: AccountLedger's JSON lines, one a row, in the order written. No secret:
      // credentials appear only as salted slow hashes.
      `CREATE TABLE ${SCHEMA}.ledger_lines (
        account_id integer NOT NULL REFERENCES ${SCHEMA}.accounts (id),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        line text NOT NULL CHECK (line <> '' AND strpos(line, E'\\n') = 0),
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, seq)
      )`,
      // A ledger is never rewritten: a deleted line could be the rejection that makes the next attempt the fifth.
      `CREATE FUNCTION ${SCHEMA}.ledger_lines_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the attempt ledger is append-only: kite-autologin never changes or deletes its lines';
      END $$`,
      `CREATE TRIGGER ledger_lines_append_only BEFORE UPDATE OR DELETE ON ${SCHEMA}.ledger_lines
        FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.ledger_lines_append_only()`,
      // The morning record (AutologinState): the day's run, the last attempt, Kite's clock, the heartbeat.
      `CREATE TABLE ${SCHEMA}.morning (
        account_id integer PRIMARY KEY REFERENCES ${SCHEMA}.accounts (id),
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // SECRET: the day's access token (SavedToken), which trades on the account until 06:00 IST.
      // Kept as json (its text as written), so every host writes the same token file.
      `CREATE TABLE ${SCHEMA}.tokens (
        account_id integer PRIMARY KEY REFERENCES ${SCHEMA}.accounts (id),
        token json NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now()
      )`,
      `COMMENT ON TABLE ${SCHEMA}.tokens IS 'SECRET: each account''s Kite access token (valid until 06:00 IST). Grant it to kite-autologin''s role only; keep backups of it as secret as the token file.'`,
    ],
  },
];

/** The schema version this build creates and understands. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((latest, m) => Math.max(latest, m.version), 0);

export type SchemaOutcome = { state: 'current'; version: number } | { state: 'migrated'; from: number; to: number } | { state: 'newer'; version: number };

/**
 * Creates the schema, or brings it up to SCHEMA_VERSION, in one transaction under a
 * transaction-level advisory lock: of two hosts starting at once, the second waits, then finds
 * the schema current. A schema already current needs no privilege beyond reading it. A newer
 * one (another host runs a newer kite-autologin) is left untouched: `newer`, for the caller to
 * refuse. Failures reject as the server raised them.
 */
export async function migrateSchema(sql: Sql): Promise<SchemaOutcome> {
  return inTransaction(sql, async () => {
    await sql.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, SCHEMA_LOCK_ID]);
    const from = await currentVersion(sql);
    if (from > SCHEMA_VERSION) return { state: 'newer', version: from };
    if (from === SCHEMA_VERSION) return { state: 'current', version: from };
    if (from === 0) {
      // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists.
      const exists = await sql.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found', [SCHEMA]);
      if (exists[0]?.found !== true) await sql.query(`CREATE SCHEMA ${SCHEMA}`);
      await sql.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_version (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by text NOT NULL
      )`);
    }
    for (const migration of MIGRATIONS.filter((m) => m.version > from)) {
      for (const statement of migration.statements) await sql.query(statement);
      await sql.query(`INSERT INTO ${SCHEMA}.schema_version (version, applied_by) VALUES ($1, $2)`, [migration.version, `kite-autologin ${VERSION}`]);
    }
    return { state: 'migrated', from, to: SCHEMA_VERSION };
  });
}

/** The schema's version: 0 when there is none yet. */
async function currentVersion(sql: Sql): Promise<number> {
  const table = await sql.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`${SCHEMA}.schema_version`]);
  if (table[0]?.found === null || table[0] === undefined) return 0;
  const rows = await sql.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${SCHEMA}.schema_version`);
  return rows[0]?.version ?? 0;
}
