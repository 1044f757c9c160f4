import { sql, type Kysely } from 'kysely';

/**
 * Seed 000's cache_data (issue 15): cached values that must survive a restart (query embeddings),
 * each with its expiry; expired rows are purged in the background.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE cache_data (
    namespace TEXT NOT NULL CHECK (length(namespace) BETWEEN 1 AND 64),
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
  )`.execute(db);
  await sql`CREATE INDEX cache_data_expiry ON cache_data (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE cache_data`.execute(db);
}
