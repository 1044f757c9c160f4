import { sql, type Kysely } from 'kysely';

/**
 * Tool-call records (issue 15, seed 003's mcp_tool_calls): each step an answer took before the
 * model wrote it (retrieval, the SQL/RAG route, the SQL query, the graph expansion), in order,
 * with its arguments, a short result, success or the error, and how long it took. Deleted with
 * the log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE tool_calls (
    log_id INTEGER NOT NULL REFERENCES conversation_logs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0),
    tool_name TEXT NOT NULL CHECK (tool_name IN ('retrieve', 'route', 'sql', 'graph')),
    arguments TEXT NOT NULL CHECK (json_valid(arguments) AND json_type(arguments) = 'object'),
    result_summary TEXT NOT NULL DEFAULT '',
    success INTEGER NOT NULL CHECK (success IN (0, 1)),
    error_code TEXT,
    error_message TEXT,
    execution_time_ms REAL NOT NULL CHECK (execution_time_ms >= 0),
    PRIMARY KEY (log_id, position)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE tool_calls`.execute(db);
}
