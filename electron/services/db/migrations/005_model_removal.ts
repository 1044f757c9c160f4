import { sql, type Kysely } from 'kysely';

/**
 * Removing a model that has sessions hides it instead of deleting it (issue 11): its logs and
 * evaluations keep their model and its name; registering the same file again brings it back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE models ADD COLUMN removed_at TEXT`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE models DROP COLUMN removed_at`.execute(db);
}
