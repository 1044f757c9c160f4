import { sql, type Kysely } from 'kysely';

/** A session asks one model version (issue 12): the base alone (null) or a registered version. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sessions ADD COLUMN version_id INTEGER REFERENCES model_versions (id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sessions DROP COLUMN version_id`.execute(db);
}
