import { sql, type Kysely } from 'kysely';

/**
 * Each cited passage records its position in the document (issue 11): the citation opens it by
 * (document, chunk index) without parsing the vector store's chunk id, whose format is that
 * store's business. Existing rows take the index from the id's last `:` part, which is where the
 * chunk ids written so far (`<workspace>:<doc id>:<index>`) keep it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE conversation_log_sources ADD COLUMN chunk_index INTEGER NOT NULL DEFAULT 0 CHECK (chunk_index >= 0)`.execute(db);
  // rtrim(id, <every character but ':'>) cuts the id back to its last ':'; what follows is the index.
  const lastPart = sql`substr(chunk_id, length(rtrim(chunk_id, replace(chunk_id, ':', ''))) + 1)`;
  await sql`UPDATE conversation_log_sources SET chunk_index = CAST(${lastPart} AS INTEGER)
    WHERE ${lastPart} <> '' AND ${lastPart} NOT GLOB '*[^0-9]*'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE conversation_log_sources DROP COLUMN chunk_index`.execute(db);
}
