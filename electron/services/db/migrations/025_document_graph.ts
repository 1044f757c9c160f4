import { sql, type Kysely } from 'kysely';

/**
 * Graph-RAG metadata (issue 15, seed 002), filled after a document's chunks are searchable:
 *
 * - graph_extractions: one row per document, the last extraction's outcome and summary, the model
 *   that made it and the hash of the content it read (a re-ingest with other content re-extracts).
 * - graph_entities: a workspace's entities, one per name after NFKC normalization and case
 *   folding (`normalized_name`, made in electron/services/graph/normalize.ts); the display name,
 *   type and description are refreshed from the documents that mention it.
 * - graph_mentions: which documents name which entity, with the name, type and description as
 *   that document's extraction gave them, in its order.
 * - graph_relations: source → relation → target between entities, per document, in its order.
 *
 * Everything goes with its document (ON DELETE CASCADE), and a trigger removes an entity as soon
 * as no document mentions it any more, so deleting a document through any path leaves no orphans.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE graph_extractions (
      document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      outcome TEXT NOT NULL CHECK (outcome IN ('extracted', 'summary_only', 'failed')),
      summary TEXT CHECK (summary IS NULL OR length(summary) >= 1),
      reason TEXT,
      parts INTEGER NOT NULL DEFAULT 0 CHECK (parts >= 0),
      model_id INTEGER REFERENCES models (id) ON DELETE SET NULL,
      content_hash TEXT NOT NULL,
      extracted_at TEXT NOT NULL,
      CHECK ((outcome = 'failed') = (summary IS NULL))
    )`,
    sql`CREATE INDEX graph_extractions_workspace ON graph_extractions (workspace_id)`,
    sql`CREATE TABLE graph_entities (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      normalized_name TEXT NOT NULL CHECK (length(normalized_name) >= 1),
      name TEXT NOT NULL CHECK (length(name) >= 1),
      type TEXT NOT NULL DEFAULT '',
      description TEXT NOT NULL DEFAULT '',
      UNIQUE (workspace_id, normalized_name)
    )`,
    sql`CREATE TABLE graph_mentions (
      entity_id INTEGER NOT NULL REFERENCES graph_entities (id) ON DELETE CASCADE,
      document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
      position INTEGER NOT NULL CHECK (position >= 0),
      name TEXT NOT NULL CHECK (length(name) >= 1),
      type TEXT NOT NULL DEFAULT '',
      description TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (entity_id, document_id)
    )`,
    sql`CREATE INDEX graph_mentions_document ON graph_mentions (document_id, position)`,
    sql`CREATE TABLE graph_relations (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
      position INTEGER NOT NULL CHECK (position >= 0),
      source_entity_id INTEGER NOT NULL REFERENCES graph_entities (id) ON DELETE CASCADE,
      relation TEXT NOT NULL CHECK (length(relation) >= 1),
      target_entity_id INTEGER NOT NULL REFERENCES graph_entities (id) ON DELETE CASCADE,
      UNIQUE (document_id, position)
    )`,
    sql`CREATE INDEX graph_relations_source ON graph_relations (source_entity_id)`,
    sql`CREATE INDEX graph_relations_target ON graph_relations (target_entity_id)`,
    // Also fires for the mentions a deleted document's cascade removes.
    sql`CREATE TRIGGER graph_entities_unmentioned AFTER DELETE ON graph_mentions
      WHEN NOT EXISTS (SELECT 1 FROM graph_mentions WHERE entity_id = OLD.entity_id)
      BEGIN
        DELETE FROM graph_entities WHERE id = OLD.entity_id;
      END`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS graph_entities_unmentioned`.execute(db);
  for (const table of ['graph_relations', 'graph_mentions', 'graph_entities', 'graph_extractions']) await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
}
