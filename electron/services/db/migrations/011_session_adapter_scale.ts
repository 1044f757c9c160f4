import { sql, type Kysely } from 'kysely';

/** A session may ask a version with its adapters at another scale (issue 12; 0 gives the base). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sessions ADD COLUMN adapter_scale REAL CHECK (adapter_scale IS NULL OR adapter_scale >= 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sessions DROP COLUMN adapter_scale`.execute(db);
}
