import { sql, type Kysely } from 'kysely';

/** Graph-RAG options of a workspace (issue 15): extraction at ingest, its model, entity-aware retrieval. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`ALTER TABLE workspaces ADD COLUMN graph_extraction INTEGER NOT NULL DEFAULT 0 CHECK (graph_extraction IN (0, 1))`,
    sql`ALTER TABLE workspaces ADD COLUMN graph_model_id INTEGER REFERENCES models (id)`,
    sql`ALTER TABLE workspaces ADD COLUMN entity_retrieval INTEGER NOT NULL DEFAULT 0 CHECK (entity_retrieval IN (0, 1))`,
  ]) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['entity_retrieval', 'graph_model_id', 'graph_extraction']) await sql`ALTER TABLE workspaces DROP COLUMN ${sql.ref(column)}`.execute(db);
}
