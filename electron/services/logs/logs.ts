import { toolCallsByLog } from '../chat/tool-calls.ts';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { LogDetail, LogListRow } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';
import type { ConversationLogsTable, DatabaseSchema } from '../db/schema.ts';
import { sourcesByLog, toConversationLog } from './log-rows.ts';
import type { WorkspaceVisibility } from '../../../shared/contract/people.ts';

export type LogFilters = ParsedInput<'logs.query'>['filters'];
type LogSort = ParsedInput<'logs.query'>['sort'];

/** Each sort is a keyset: an indexed column plus the id as tie-breaker. */
const sortKeys: Record<LogSort, { column: 'l.asked_at' | 'l.duration_ms' | 'l.completion_tokens'; direction: 'asc' | 'desc' }> = {
  newest: { column: 'l.asked_at', direction: 'desc' },
  oldest: { column: 'l.asked_at', direction: 'asc' },
  slowest: { column: 'l.duration_ms', direction: 'desc' },
  longest: { column: 'l.completion_tokens', direction: 'desc' },
};

/** An end date without a time means "through the end of that day". */
export function inclusiveEnd(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value;
}

const commonTextMatches = 2000;

/**
 * The substrings a log must contain (in its question or answer) to match a search text. Control
 * characters act as gaps, like spaces between words: they are not something a person searches
 * for, and U+0000 cannot even reach FTS5's query parser, which reads its query as a C string
 * (a NUL cut the phrase's closing quote off: "unterminated string").
 */
export function searchTerms(text: string): string[] {
  return text
    .split(/\p{Cc}+/u)
    .map((term) => term.trim())
    .filter((term) => term.length > 0);
}

/** The trigram index finds substrings of three characters or more; shorter ones need LIKE. */
const trigramLength = 3;

/** Phrase query for the trigram FTS index: the user's text is data, never FTS syntax. */
function ftsPhrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** LIKE pattern for a substring, its wildcards escaped (with ESCAPE '\\'). */
function likeSubstring(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function encodeCursor(value: string | number, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string | number, number] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && ['string', 'number'].includes(typeof parsed[0]) && Number.isInteger(parsed[1])) {
      return parsed as [string | number, number];
    }
  } catch {
    // Fall through to the error below.
  }
  throw new ApiError('VALIDATION', 'The page cursor is not valid; reload the list.', { field: 'cursor' });
}

/** Sessions that asked one version (0: the base alone): how logs are filtered by version. */
export function sessionsOfVersion(db: Db, versionId: number) {
  const sessions = db.selectFrom('sessions').select('id');
  return versionId === 0 ? sessions.where('version_id', 'is', null) : sessions.where('version_id', '=', versionId);
}

export function createLogService(db: Db) {
  /**
   * The viewer's own verdict fields, read per row through the (log_id, evaluator_id) unique index.
   * Correlated lookups instead of a join keep the logs table as the outer loop, walked in the sort
   * index's order, so a page of 100 stops after ~100 matches: a join makes SQLite build a Bloom
   * filter over the whole evaluations table first, which costs more than the page itself.
   */
  function verdict(column: 'evaluation' | 'priority' | 'status' | 'id', viewerId: number) {
    return db.selectFrom('evaluations as e').select(`e.${column}`).where('e.log_id', '=', sql<number>`l.id`).where('e.evaluator_id', '=', viewerId);
  }

  /**
   * Whether a text search matches many logs. A rare text is best found through the FTS index and
   * its few rows sorted; a common one is best found by walking the sort index and probing the FTS
   * matches, stopping after a page. Around 2,000 matches the two cost the same (1M logs, measured).
   */
  async function isCommonText(phrase: string): Promise<boolean> {
    const row = await sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT 1 FROM conversation_logs_fts WHERE conversation_logs_fts MATCH ${phrase} LIMIT ${commonTextMatches + 1})`.execute(db);
    return (row.rows[0]?.n ?? 0) > commonTextMatches;
  }

  /** Logs with every filter applied in SQL. */
  async function filtered(filters: LogFilters, viewerId: number, visible: WorkspaceVisibility = 'all') {
    let query = db.selectFrom('conversation_logs as l');
    // A member sees the logs of their workspaces only, whatever the filters say.
    if (visible !== 'all') query = query.where('l.workspace_id', 'in', [0, ...visible]);
    if (filters.workspaceId !== undefined) query = query.where('l.workspace_id', '=', filters.workspaceId);
    if (filters.modelId !== undefined) query = query.where('l.model_id', '=', filters.modelId);
    if (filters.sessionId !== undefined) query = query.where('l.session_id', '=', filters.sessionId);
    if (filters.promptVersionId !== undefined) query = query.where('l.session_id', 'in', db.selectFrom('sessions').select('id').where('prompt_version_id', '=', filters.promptVersionId));
    if (filters.versionId !== undefined) query = query.where('l.session_id', 'in', sessionsOfVersion(db, filters.versionId));
    if (filters.evaluation === 0) query = query.where((eb) => eb.not(eb.exists(verdict('id', viewerId))));
    else if (filters.evaluation !== undefined) query = query.where(verdict('evaluation', viewerId), '=', filters.evaluation);
    if (filters.priority !== undefined) query = query.where(verdict('priority', viewerId), '=', filters.priority);
    if (filters.status !== undefined) query = query.where(verdict('status', viewerId), '=', filters.status);
    if (filters.from) query = query.where('l.asked_at', '>=', filters.from);
    if (filters.to) query = query.where('l.asked_at', '<=', inclusiveEnd(filters.to));
    const terms = searchTerms(filters.text ?? '');
    const indexed = terms.filter((term) => [...term].length >= trigramLength);
    if (indexed.length > 0) {
      // Every term as a quoted phrase: operators, column filters and `*` in the text stay text.
      const match = indexed.map(ftsPhrase).join(' AND ');
      // The unary plus stops SQLite from driving the query from the FTS matches.
      const id = (await isCommonText(match)) ? sql<number>`+l.id` : sql<number>`l.id`;
      query = query.where(id, 'in', (sub) =>
        sub.selectFrom(sql<{ rowid: number }>`conversation_logs_fts`.as('f')).select(sql<number>`rowid`.as('rowid')).where(sql<boolean>`conversation_logs_fts MATCH ${match}`),
      );
    }
    // Shorter terms (one or two CJK characters) use LIKE.
    for (const term of terms.filter((t) => [...t].length < trigramLength)) {
      const pattern = likeSubstring(term);
      query = query.where((eb) => eb.or([sql<boolean>`l.question LIKE ${pattern} ESCAPE '\\'`, sql<boolean>`l.answer LIKE ${pattern} ESCAPE '\\'`]));
    }
    return query;
  }

  return {
    /**
     * The logs that match the log browser's filters, as a query to select from. Review queues are
     * made from it (issue 14), so a queue and the log browser never disagree on what a filter means.
     */
    matching: filtered,

    async query(input: ParsedInput<'logs.query'>, viewerId: number, visible: WorkspaceVisibility = 'all'): Promise<{ rows: LogListRow[]; nextCursor: string | null }> {
      const key = sortKeys[input.sort];
      let query = (await filtered(input.filters, viewerId, visible))
        .select((eb) => [
          'l.id',
          'l.session_id',
          'l.workspace_id',
          // Names are looked up per row of the page rather than joined, so the join cannot
          // persuade the planner to start from the (tiny) workspaces table and sort everything.
          eb.selectFrom('workspaces as w').select('w.name').whereRef('w.id', '=', 'l.workspace_id').as('workspace_name'),
          'l.model_id',
          eb.selectFrom('models as m').select('m.display_name').whereRef('m.id', '=', 'l.model_id').as('model_name'),
          eb
            .selectFrom('sessions as vs')
            .innerJoin('model_versions as v', 'v.id', 'vs.version_id')
            .select('v.name')
            .whereRef('vs.id', '=', 'l.session_id')
            .as('version_name'),
          sql<string>`substr(l.question, 1, 300)`.as('question'),
          sql<string>`substr(l.answer, 1, 300)`.as('answer_preview'),
          'l.asked_at',
          'l.stop_reason',
          'l.completion_tokens',
          'l.tokens_per_second',
          'l.duration_ms',
          verdict('evaluation', viewerId).as('evaluation'),
          verdict('priority', viewerId).as('priority'),
          verdict('status', viewerId).as('status'),
        ]) as unknown as SelectQueryBuilder<DatabaseSchema & { l: ConversationLogsTable }, 'l', Record<string, unknown>>;
      if (input.cursor) {
        const [value, id] = decodeCursor(input.cursor);
        const op = key.direction === 'desc' ? '<' : '>';
        query = query.where((eb) =>
          eb.or([eb(key.column, op, value as never), eb.and([eb(key.column, '=', value as never), eb('l.id', op, id)])]),
        );
      }
      const rows = (await query
        .orderBy(key.column, key.direction)
        .orderBy('l.id', key.direction)
        .limit(input.limit + 1)
        .execute()) as Array<Record<string, unknown>>;
      const page = rows.slice(0, input.limit);
      const last = page.at(-1);
      const sortValue = (row: Record<string, unknown>) => row[key.column.slice(2)] as string | number;
      return {
        rows: page.map((row) => ({
          id: row['id'] as number,
          sessionId: row['session_id'] as number,
          workspaceId: row['workspace_id'] as number,
          workspaceName: row['workspace_name'] as string,
          modelId: row['model_id'] as number,
          modelName: row['model_name'] as string,
          versionName: (row['version_name'] as string | null) ?? null,
          question: row['question'] as string,
          answerPreview: row['answer_preview'] as string,
          askedAt: row['asked_at'] as string,
          stopReason: row['stop_reason'] as LogListRow['stopReason'],
          completionTokens: row['completion_tokens'] as number,
          tokensPerSecond: row['tokens_per_second'] as number | null,
          evaluation: (row['evaluation'] as LogListRow['evaluation']) ?? null,
          priority: (row['priority'] as LogListRow['priority']) ?? null,
          status: (row['status'] as LogListRow['status']) ?? null,
        })),
        nextCursor: rows.length > input.limit && last ? encodeCursor(sortValue(last), last['id'] as number) : null,
      };
    },

    async count(filters: LogFilters, viewerId: number, visible: WorkspaceVisibility = 'all'): Promise<{ total: number }> {
      const byVerdict = (filters.evaluation !== undefined && filters.evaluation !== 0) || filters.priority !== undefined || filters.status !== undefined;
      if (byVerdict) {
        // Counting every match (no page limit) is cheaper from the evaluations side: its index
        // holds the verdict columns, and only matching logs are looked up (1M logs: 3.5 s -> this).
        const { evaluation, priority, status, ...logFilters } = filters;
        let query = db.selectFrom('evaluations as e').where('e.evaluator_id', '=', viewerId);
        // Every evaluation has its log (foreign key): without log filters there is nothing to join.
        if (visible !== 'all' || Object.values(logFilters).some((value) => value !== undefined && value !== '')) {
          query = query.where('e.log_id', 'in', (await filtered(logFilters, viewerId, visible)).select('l.id'));
        }
        if (evaluation !== undefined && evaluation !== 0) query = query.where('e.evaluation', '=', evaluation);
        if (priority !== undefined) query = query.where('e.priority', '=', priority);
        if (status !== undefined) query = query.where('e.status', '=', status);
        const row = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
        return { total: Number(row.total) };
      }
      const row = await (await filtered(filters, viewerId, visible)).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      return { total: Number(row.total) };
    },

    /** One log with its context, as `viewerId` may see it (another user's private passages withheld). */
    async get(id: number, viewerId: number): Promise<LogDetail> {
      const row = await db.selectFrom('conversation_logs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ApiError('NOT_FOUND', `Log ${id} does not exist.`, { entity: 'log', id });
      const [context, evaluations] = await Promise.all([
        db
          .selectFrom('sessions as s')
          .innerJoin('workspaces as w', 'w.id', 's.workspace_id')
          .innerJoin('models as m', 'm.id', 's.model_id')
          .leftJoin('model_versions as v', 'v.id', 's.version_id')
          .select(['s.system_prompt_snapshot', 'w.name as workspace_name', 'm.display_name as model_name', 'v.name as version_name'])
          .where('s.id', '=', row.session_id)
          .executeTakeFirstOrThrow(),
        db.selectFrom('evaluations').selectAll().where('log_id', '=', id).orderBy('id').execute(),
      ]);
      const sources = (await sourcesByLog(db, [id], viewerId)).get(id) ?? [];
      // Blind judging (issue 14): the others' verdicts show once the viewer has saved their own.
      const blind = (await db.selectFrom('workspaces').select('blind_evaluation').where('id', '=', row.workspace_id).executeTakeFirst())?.blind_evaluation === 1;
      const visible = blind && !evaluations.some((evaluation) => evaluation.evaluator_id === viewerId) ? [] : evaluations;
      return {
        log: toConversationLog(row, sources, (await toolCallsByLog(db, [id])).get(id)),
        workspaceName: context.workspace_name,
        modelName: context.model_name,
        versionName: context.version_name,
        systemPromptSnapshot: context.system_prompt_snapshot,
        evaluations: visible.map((evaluation) => fromRow('evaluations', evaluation)),
        hiddenEvaluations: evaluations.length - visible.length,
      };
    },

    /** The next log (by id) in the same scope that the viewer has not judged yet. */
    async nextUnevaluated(input: ParsedInput<'logs.nextUnevaluated'>, viewerId: number, visible: WorkspaceVisibility = 'all'): Promise<{ logId: number | null }> {
      let query = db
        .selectFrom('conversation_logs as l')
        .select('l.id')
        // An answer still streaming is not ready to be judged.
        .where('l.stop_reason', '!=', 'answering')
        .where((eb) => eb.not(eb.exists(eb.selectFrom('evaluations as e').select('e.id').whereRef('e.log_id', '=', 'l.id').where('e.evaluator_id', '=', viewerId))));
      if (input.sessionId !== undefined) query = query.where('l.session_id', '=', input.sessionId);
      if (input.workspaceId !== undefined) query = query.where('l.workspace_id', '=', input.workspaceId);
      if (visible !== 'all') query = query.where('l.workspace_id', 'in', [0, ...visible]);
      const after = input.afterLogId;
      const next = await (after !== undefined ? query.where('l.id', '>', after) : query).orderBy('l.id').limit(1).executeTakeFirst();
      // Wrap around so earlier skipped answers are not forgotten.
      const wrapped = next ?? (after !== undefined ? await query.where('l.id', '<', after).orderBy('l.id').limit(1).executeTakeFirst() : undefined);
      return { logId: wrapped?.id ?? null };
    },
  };
}

export type LogService = ReturnType<typeof createLogService>;
