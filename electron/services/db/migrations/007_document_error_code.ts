import { sql, type Kysely } from 'kysely';

/**
 * A failed document keeps its error as a code too (issue 11), so a Korean or Japanese screen shows
 * a translated reason instead of the English sentence stored for the CLI.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE documents ADD COLUMN error_code TEXT`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE documents DROP COLUMN error_code`.execute(db);
}
