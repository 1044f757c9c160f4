import type { Selectable } from 'kysely';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { conversationLogSchema, retrievedSourceSchema, type ConversationLog, type RetrievedSource } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';
import type { ConversationLogSourcesTable, ConversationLogsTable } from '../db/schema.ts';

/** Conversation logs and their retrieval traces as the API sends them; read by chat, logs and export. */

export function toConversationLog(row: Selectable<ConversationLogsTable>, sources: RetrievedSource[] = []): ConversationLog {
  // The column keeps its short historical name; the API spells it out.
  return pickFields(conversationLogSchema, { ...fromRow('conversation_logs', row), timeToFirstTokenMs: row.ttft_ms, sources });
}

function toRetrievedSource(row: Selectable<ConversationLogSourcesTable>): RetrievedSource {
  return pickFields(retrievedSourceSchema, fromRow('conversation_log_sources', row));
}

/** The retrieval traces of several logs, grouped by log id, in rank order. */
export async function sourcesByLog(db: Db, logIds: number[]): Promise<Map<number, RetrievedSource[]>> {
  const grouped = new Map<number, RetrievedSource[]>();
  if (logIds.length === 0) return grouped;
  const rows = await db.selectFrom('conversation_log_sources').selectAll().where('log_id', 'in', logIds).orderBy('log_id').orderBy('rank').execute();
  for (const row of rows) {
    const list = grouped.get(row.log_id) ?? [];
    list.push(toRetrievedSource(row));
    grouped.set(row.log_id, list);
  }
  return grouped;
}
