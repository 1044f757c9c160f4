import { sql, type Kysely } from 'kysely';

/** The SQL route of seed 002 (issue 15), a workspace option, off by default. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE workspaces ADD COLUMN sql_route INTEGER NOT NULL DEFAULT 0 CHECK (sql_route IN (0, 1))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE workspaces DROP COLUMN sql_route`.execute(db);
}
