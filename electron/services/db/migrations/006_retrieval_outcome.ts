import { sql, type Kysely } from 'kysely';

/**
 * Each answer records whether document retrieval found nothing similar enough (issue 11), so the
 * answer can say so instead of leaving the user to guess why it cites nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE conversation_logs ADD COLUMN retrieval_outcome TEXT CHECK (retrieval_outcome IS NULL OR retrieval_outcome IN ('below_threshold', 'found'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE conversation_logs DROP COLUMN retrieval_outcome`.execute(db);
}
