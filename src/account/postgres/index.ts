export { openPostgresHome, type PostgresHome, type PostgresHomeOptions } from './postgres-home.js';
export { parseDatabaseUrl, DatabaseUrl, SSL_MODES, type DatabaseSetting, type DatabaseUrlResult, type SslMode, type TlsAttempt } from './database-url.js';
export type { ImportOutcome } from './import-ledger.js';
export { SCHEMA, SCHEMA_VERSION } from './schema.js';
