import type { Selectable } from 'kysely';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { chatTaskSchema, conversationLogSchema, retrievedSourceSchema, type ConversationLog, type RetrievedSource, type ToolCall } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';
import type { ConversationLogSourcesTable, ConversationLogsTable } from '../db/schema.ts';

/** Conversation logs and their retrieval traces as the API sends them; read by chat, logs and export. */

export function toConversationLog(row: Selectable<ConversationLogsTable>, sources: RetrievedSource[] = [], toolCalls: ToolCall[] = []): ConversationLog {
  // The column keeps its short historical name; the API spells it out.
  return pickFields(conversationLogSchema, { ...fromRow('conversation_logs', row), timeToFirstTokenMs: row.ttft_ms, task: row.task === null ? null : chatTaskSchema.parse(JSON.parse(row.task)), sources, toolCalls });
}

function toRetrievedSource(row: Selectable<ConversationLogSourcesTable>): RetrievedSource {
  return pickFields(retrievedSourceSchema, fromRow('conversation_log_sources', row));
}

/**
 * The retrieval traces of several logs, grouped by log id, in rank order, as `viewerId` may see
 * them: a passage of another user's private document, or of a document above the viewer's
 * security level, keeps its rank and score but not its text, title or place (issue 14). A
 * passage whose document was removed since is shown as it was cited.
 */
export async function sourcesByLog(db: Db, logIds: number[], viewerId: number): Promise<Map<number, RetrievedSource[]>> {
  const grouped = new Map<number, RetrievedSource[]>();
  if (logIds.length === 0) return grouped;
  const level = (await db.selectFrom('users').select('security_level').where('id', '=', viewerId).executeTakeFirst())?.security_level ?? 1;
  const rows = await db
    .selectFrom('conversation_log_sources as s')
    .leftJoin('documents as d', 'd.id', 's.document_id')
    .selectAll('s')
    .select((eb) => eb.or([eb.and([eb('d.scope', '=', 'private'), eb('d.owner_id', '<>', viewerId)]), eb('d.min_security_level', '>', level)]).as('withheld'))
    .where('s.log_id', 'in', logIds)
    .orderBy('s.log_id')
    .orderBy('s.rank')
    .execute();
  for (const { withheld, ...row } of rows) {
    const list = grouped.get(row.log_id) ?? [];
    const source = toRetrievedSource(row);
    list.push(withheld ? { ...source, chunkId: '', docId: '', title: '', page: null, section: null, promptText: '' } : source);
    grouped.set(row.log_id, list);
  }
  return grouped;
}
