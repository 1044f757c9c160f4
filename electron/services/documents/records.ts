import path from 'node:path';
import { sql } from 'kysely';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import { docIdSchema } from '../../../shared/contract/entities.ts';
import { readImportSource, requireConfirmedProblems } from '../files/import-source.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import {
  recordEventTypes,
  type RecordEvent,
  type RecordEventType,
  type RecordFormat,
  type RecordHistory,
  type RecordImportResult,
  type RecordOutcome,
  type RecordPreview,
  type RecordProblem,
  type RetrievalFilter,
  type SourceTypeCount,
} from '../../../shared/contract/records.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { Job } from '../jobs/jobs.ts';
import { decodeText } from './decode-text.ts';
import type { DocumentService } from './document-service.ts';
import { maxDocumentBytes } from './extract.ts';

/**
 * Structured records (seed 002's board_post.v2, coaching_note.v2, project_document.v1): JSON or
 * JSONL objects with `doc_id`, `title`, `content` and any top-level metadata. Reading reports the
 * records that cannot be imported by line, as question-set imports do; importing applies each
 * record's sync event in file order through the document service (an atomic replace under the
 * same doc_id, or a removal for `delete`) and keeps the event in the doc_id's history.
 */

/** A file of records over this is refused before it is read. */
export const maxRecordFileBytes = 50 * 1024 * 1024;
/** Records read from one file; the rest are reported as one problem. */
export const maxRecordsPerFile = 100_000;
/** A record's metadata (every top-level field but `content`) as JSON. */
const maxMetadataChars = 100_000;
const maxProblemsKept = 1000;
const maxSourceTypeChars = 50;

export interface ParsedRecord {
  line: number;
  docId: string;
  title: string;
  /** Null only for a `delete`. */
  content: string | null;
  eventType: RecordEventType;
  sourceType: string;
  docSchema: string | null;
  /** The record's `updated_at` as ISO in UTC, or null when it has none. */
  updatedAt: string | null;
  metadata: Record<string, unknown>;
}

export interface ReadRecords {
  format: RecordFormat;
  encoding: string;
  records: ParsedRecord[];
  problems: RecordProblem[];
}

function readRecordBytes(source: { path?: string | undefined; text?: string | undefined }): { text: string; encoding: string; name: string } {
  const read = readImportSource(source, maxRecordFileBytes);
  if (read.text !== null) return { text: read.text.replace(/^\uFEFF/, ''), encoding: 'UTF-8', name: read.name };
  // The same decoding as documents: BOMs, strict UTF-8, UTF-16, the legacy CJK encodings; a binary file is refused.
  const { text, encoding } = decodeText(read.bytes!, read.name);
  return { text, encoding, name: read.name };
}

/** The 1-based line a JSON.parse error points at (V8 says "line L column C" or "position P"). */
function errorLine(error: unknown, text: string): number {
  const message = String((error as Error | null)?.message ?? '');
  const line = /\(line (\d+) column \d+\)/.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return text.slice(0, Number(position[1])).split('\n').length;
  return 1;
}

/** The line each element of a top-level JSON array starts on (the text is valid JSON). */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (const char of text) {
    if (char === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectElement && char !== ']' && !/\s/.test(char)) {
      lines.push(line);
      expectElement = false;
    }
    if (char === '"') inString = true;
    else if (char === '[' || char === '{') {
      depth++;
      if (depth === 1 && char === '[') expectElement = true;
    } else if (char === ']' || char === '}') depth--;
    else if (char === ',' && depth === 1) expectElement = true;
  }
  return lines;
}

/** The objects of the file with the line each starts on, and the lines that are not objects. */
function splitRecords(text: string, name: string, declared?: RecordFormat): { format: RecordFormat; items: Array<{ line: number; value: unknown }>; problems: RecordProblem[] } {
  const extension = path.extname(name).toLowerCase();
  const trimmed = text.trimStart();
  const lead = text.length - trimmed.length;
  const firstLine = text.slice(0, lead).split('\n').length;
  const wantsJsonl = declared === 'jsonl' || (!declared && (extension === '.jsonl' || extension === '.ndjson'));
  if (!wantsJsonl) {
    try {
      const whole = JSON.parse(text) as unknown;
      if (Array.isArray(whole)) {
        const lines = arrayElementLines(text);
        return { format: 'json', items: whole.map((value, index) => ({ line: lines[index] ?? firstLine, value })), problems: [] };
      }
      return { format: 'json', items: [{ line: firstLine, value: whole }], problems: [] };
    } catch (error) {
      // A JSON array (or a declared JSON file) that does not parse is one malformed file: its
      // records cannot be told apart. Anything else is read line by line as JSONL.
      if (declared === 'json' || trimmed.startsWith('[')) return { format: 'json', items: [], problems: [{ line: errorLine(error, text), code: 'MALFORMED_LINE', detail: 'invalid_json' }] };
    }
  }
  const items: Array<{ line: number; value: unknown }> = [];
  const problems: RecordProblem[] = [];
  text.split('\n').forEach((raw, offset) => {
    const lineText = raw.replace(/\r$/, '');
    if (lineText.trim() === '') return;
    try {
      items.push({ line: offset + 1, value: JSON.parse(lineText) as unknown });
    } catch {
      problems.push({ line: offset + 1, code: 'MALFORMED_LINE', detail: 'invalid_json' });
    }
  });
  return { format: 'jsonl', items, problems };
}

/** A text field that may be absent; a non-text value makes the record invalid. */
function optionalText(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Checks one object against the record shape; the problem when it is not one. */
function toRecord(line: number, value: unknown): ParsedRecord | RecordProblem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, code: 'NOT_AN_OBJECT' };
  const fields = value as Record<string, unknown>;
  const rawDocId = optionalText(fields['doc_id']);
  if (rawDocId === null || (typeof rawDocId === 'string' && rawDocId.trim() === '')) return { line, code: 'MISSING_DOC_ID' };
  const docId = rawDocId === undefined ? null : docIdSchema.safeParse(rawDocId);
  if (!docId?.success) return { line, code: 'INVALID_FIELD', detail: 'doc_id' };
  const problem = (code: RecordProblem['code'], extra: Partial<RecordProblem> = {}): RecordProblem => ({ line, code, docId: docId.data, ...extra });

  const rawEvent = fields['event_type'];
  if (rawEvent !== undefined && rawEvent !== null && !(recordEventTypes as readonly unknown[]).includes(rawEvent)) {
    return problem('UNKNOWN_EVENT', { value: String(typeof rawEvent === 'string' ? rawEvent : JSON.stringify(rawEvent)).slice(0, 100) });
  }
  const eventType = (rawEvent ?? 'create') as RecordEventType;

  const content = optionalText(fields['content']);
  if (content === undefined) return problem('INVALID_FIELD', { detail: 'content' });
  if (eventType !== 'delete' && (content === null || content.trim() === '')) return problem('MISSING_CONTENT');
  if (content !== null && Buffer.byteLength(content, 'utf8') > maxDocumentBytes) return problem('TOO_LONG', { detail: 'content' });

  const title = optionalText(fields['title']);
  if (title === undefined) return problem('INVALID_FIELD', { detail: 'title' });
  const sourceType = optionalText(fields['source_type']);
  if (sourceType === undefined || (sourceType !== null && (sourceType.trim() === '' || sourceType.trim().length > maxSourceTypeChars))) return problem('INVALID_FIELD', { detail: 'source_type' });
  const docSchema = optionalText(fields['doc_schema']);
  if (docSchema === undefined) return problem('INVALID_FIELD', { detail: 'doc_schema' });

  let updatedAt: string | null = null;
  const rawUpdated = fields['updated_at'];
  if (rawUpdated !== undefined && rawUpdated !== null) {
    const time = typeof rawUpdated === 'string' ? Date.parse(rawUpdated) : Number.NaN;
    if (Number.isNaN(time)) return problem('INVALID_FIELD', { detail: 'updated_at' });
    updatedAt = new Date(time).toISOString();
  }

  const { content: _content, ...metadata } = fields;
  if (JSON.stringify(metadata).length > maxMetadataChars) return problem('TOO_LONG', { detail: 'metadata' });
  return {
    line,
    docId: docId.data,
    title: (title ?? '').trim().slice(0, 500) || docId.data.slice(0, 500),
    content,
    eventType,
    sourceType: sourceType?.trim() ?? 'record',
    docSchema,
    updatedAt,
    metadata,
  };
}

/** Decodes and reads a file (or text) of records: the valid ones in file order and the problems by line. */
export function readRecords(source: { path?: string | undefined; text?: string | undefined; format?: RecordFormat | undefined }): ReadRecords {
  const { text, encoding, name } = readRecordBytes(source);
  const { format, items, problems } = splitRecords(text, name, source.format);
  const records: ParsedRecord[] = [];
  for (const item of items) {
    if (records.length >= maxRecordsPerFile) {
      problems.push({ line: item.line, code: 'TOO_MANY' });
      break;
    }
    const parsed = toRecord(item.line, item.value);
    if ('code' in parsed) problems.push(parsed);
    else records.push(parsed);
  }
  problems.sort((a, b) => a.line - b.line);
  return { format, encoding, records, problems };
}

export function previewOf(read: ReadRecords): RecordPreview {
  return {
    format: read.format,
    encoding: read.encoding,
    validCount: read.records.length,
    sample: read.records.slice(0, 10).map((record) => ({ line: record.line, docId: record.docId, title: record.title, eventType: record.eventType, sourceType: record.sourceType, updatedAt: record.updatedAt })),
    problems: read.problems.slice(0, maxProblemsKept),
    problemsTruncated: read.problems.length > maxProblemsKept,
  };
}

/** A filter's date bounds: a day alone means the whole day (to the next day, exclusive). */
function dateBounds(filter: RetrievalFilter): { from?: string; to?: { value: string; inclusive: boolean } } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const bounds: { from?: string; to?: { value: string; inclusive: boolean } } = {};
  if (filter.updatedFrom) bounds.from = new Date(filter.updatedFrom).toISOString();
  if (filter.updatedTo) {
    const end = new Date(filter.updatedTo);
    if (day.test(filter.updatedTo)) end.setUTCDate(end.getUTCDate() + 1);
    bounds.to = { value: end.toISOString(), inclusive: !day.test(filter.updatedTo) };
  }
  return bounds;
}

/** Whether a filter limits anything (an empty object does not). */
export function filterLimits(filter: RetrievalFilter | undefined): filter is RetrievalFilter {
  return Boolean(filter && (filter.sourceTypes?.length || filter.updatedFrom || filter.updatedTo || Object.keys(filter.metadata ?? {}).length));
}

export function createRecordService(db: Db, deps: { documents: DocumentService }) {
  async function recordEvent(event: {
    workspaceId: number;
    docId: string;
    documentId: number | null;
    eventType: RecordEventType;
    eventAt: string;
    result: RecordOutcome['result'];
    errorCode: string | null;
    userId: number;
    visibility: { scope: 'shared' | 'private'; ownerId: number | null; minSecurityLevel: number };
  }): Promise<void> {
    await db
      .insertInto('document_record_events')
      .values({
        workspace_id: event.workspaceId,
        doc_id: event.docId,
        document_id: event.documentId,
        event_type: event.eventType,
        event_at: event.eventAt,
        recorded_at: nowIso(),
        result: event.result,
        error_code: event.errorCode,
        user_id: event.userId,
        scope: event.visibility.scope,
        owner_id: event.visibility.ownerId,
        min_security_level: event.visibility.minSecurityLevel,
      })
      .execute();
  }

  async function saveMetadata(documentId: number, workspaceId: number, record: ParsedRecord): Promise<void> {
    const values = {
      workspace_id: workspaceId,
      doc_id: record.docId,
      source_type: record.sourceType,
      doc_schema: record.docSchema,
      event_type: record.eventType,
      updated_at: record.updatedAt,
      metadata: JSON.stringify(record.metadata),
      imported_at: nowIso(),
    };
    await db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('document_records').select(['source_type', 'doc_schema', 'updated_at', 'metadata']).where('document_id', '=', documentId).executeTakeFirst();
      await trx.insertInto('document_records').values({ document_id: documentId, ...values }).onConflict((conflict) => conflict.column('document_id').doUpdateSet(values)).execute();
      // New metadata with unchanged content is still a change of the document (what filters and
      // caches of retrieval see). A document first added as a file or text and then synced as a
      // record takes the record's source type.
      const changed = !before || before.source_type !== values.source_type || before.doc_schema !== values.doc_schema || before.updated_at !== values.updated_at || before.metadata !== values.metadata;
      if (changed) await trx.updateTable('documents').set({ source_type: record.sourceType, updated_at: nowIso() }).where('id', '=', documentId).execute();
    });
  }

  /** Applies one record's event as `userId`. */
  async function apply(record: ParsedRecord, input: ParsedInput<'documents.importRecords'>, userId: number, job: Job): Promise<RecordOutcome> {
    const base = { line: record.line, docId: record.docId, eventType: record.eventType };
    const eventAt = record.updatedAt ?? nowIso();
    const ownVisibility = { scope: input.scope, ownerId: userId, minSecurityLevel: input.minSecurityLevel };
    const unavailable = () =>
      new ApiError('CONFLICT', `The document id ${record.docId} is already used in this workspace by a document you cannot change; choose another id.`, { field: 'docId', docId: record.docId, reason: 'doc_id_unavailable' });
    if (record.eventType === 'delete') {
      const found = await deps.documents.byDocId(input.workspaceId, record.docId, userId);
      // Another user's private document (or one above the caller's level) is not theirs to delete,
      // and its history is not theirs to write to.
      if (found && !found.visible) return { ...base, result: 'failed', document: null, error: unavailable().toPayload() };
      if (!found) {
        await recordEvent({ workspaceId: input.workspaceId, docId: record.docId, documentId: null, eventType: 'delete', eventAt, result: 'missing', errorCode: null, userId, visibility: ownVisibility });
        return { ...base, result: 'missing', document: null, error: null };
      }
      await deps.documents.remove(found.document.id, userId);
      const { document } = found;
      await recordEvent({ workspaceId: input.workspaceId, docId: record.docId, documentId: document.id, eventType: 'delete', eventAt, result: 'deleted', errorCode: null, userId, visibility: document });
      return { ...base, result: 'deleted', document: null, error: null };
    }
    let outcome;
    try {
      outcome = await deps.documents.addText(
        { workspaceId: input.workspaceId, docId: record.docId, title: record.title, text: record.content!, format: 'txt', sourceType: record.sourceType, scope: input.scope, minSecurityLevel: input.minSecurityLevel },
        userId,
        job,
      );
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL', (error as Error).message);
      if (apiError.params?.['reason'] !== 'doc_id_unavailable') {
        await recordEvent({ workspaceId: input.workspaceId, docId: record.docId, documentId: null, eventType: record.eventType, eventAt, result: 'failed', errorCode: apiError.code, userId, visibility: ownVisibility });
      }
      return { ...base, result: 'failed', document: null, error: apiError.toPayload() };
    }
    const { document } = outcome;
    if (document && (outcome.result === 'added' || outcome.result === 'updated' || outcome.result === 'unchanged')) await saveMetadata(document.id, input.workspaceId, record);
    const result = outcome.result;
    await recordEvent({
      workspaceId: input.workspaceId,
      docId: record.docId,
      documentId: document?.id ?? null,
      eventType: record.eventType,
      eventAt,
      result,
      errorCode: outcome.error?.code ?? null,
      userId,
      visibility: document ?? ownVisibility,
    });
    const refreshed = document ? ((await deps.documents.byDocId(input.workspaceId, record.docId, userId))?.document ?? document) : null;
    return { ...base, result, document: refreshed, error: outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null };
  }

  return {
    preview(input: ParsedInput<'documents.previewRecords'>): RecordPreview {
      return previewOf(readRecords(input));
    },

    /** Applies the valid records' events in file order; refused while problems are unconfirmed. */
    async import(input: ParsedInput<'documents.importRecords'>, userId: number, job: Job): Promise<RecordImportResult> {
      const { records, problems } = readRecords(input);
      requireConfirmedProblems(problems, records.length, input.acceptProblems);
      if (records.length === 0) throw new ApiError('EMPTY_INPUT', 'The file holds no record that can be imported.', { reason: 'empty_records' });
      // No embedder: one error for the call, not one per record.
      if (records.some((record) => record.eventType !== 'delete')) await deps.documents.embedderFor(input.workspaceId);
      const outcomes: RecordOutcome[] = [];
      for (const [index, record] of records.entries()) {
        if (job.signal.aborted) {
          outcomes.push({ line: record.line, docId: record.docId, eventType: record.eventType, result: 'cancelled', document: null, error: { code: 'CANCELLED', message: 'Cancelled.' } });
          continue;
        }
        outcomes.push(await apply(record, input, userId, job));
        job.progress((index + 1) / records.length, record.docId);
      }
      return { outcomes, problems: problems.slice(0, maxProblemsKept) };
    },

    /** A doc_id's events the caller may see (newest first) and, when they may see it, the document and its metadata. */
    async history(workspaceId: number, docId: string, userId: number): Promise<RecordHistory> {
      const found = await deps.documents.byDocId(workspaceId, docId, userId);
      const document = found?.visible ? found.document : null;
      const metadataRow = document ? await db.selectFrom('document_records').select('metadata').where('document_id', '=', document.id).executeTakeFirst() : undefined;
      const rows = await db
        .selectFrom('document_record_events')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('doc_id', '=', docId)
        // The document's visibility when the event happened: the rule of `visibleRows`.
        .where((eb) => eb.or([eb('scope', '=', 'shared'), eb('owner_id', '=', userId)]))
        .where('min_security_level', '<=', (eb) => eb.selectFrom('users').select('security_level').where('id', '=', userId))
        .orderBy('id', 'desc')
        .limit(500)
        .execute();
      const events: RecordEvent[] = rows.map((row) => ({
        id: row.id,
        docId: row.doc_id,
        documentId: row.document_id,
        eventType: row.event_type,
        eventAt: row.event_at,
        recordedAt: row.recorded_at,
        result: row.result,
        errorCode: row.error_code,
        userId: row.user_id,
      }));
      return { docId, document, metadata: metadataRow ? (JSON.parse(metadataRow.metadata) as Record<string, unknown>) : null, events };
    },

    /**
     * The source types of the workspace's documents `userId` may see (the document service's
     * rule), as `matchingDocumentIds` reads them (a record's, else the document's own), each with
     * its number of documents, by name.
     */
    async sourceTypes(workspaceId: number, userId: number): Promise<SourceTypeCount[]> {
      const visible = await deps.documents.visibleDocuments(workspaceId, userId);
      const recordTypes = await db
        .selectFrom('document_records as r')
        .innerJoin('documents as d', 'd.id', 'r.document_id')
        .select(['r.document_id', 'r.source_type'])
        .where('d.workspace_id', '=', workspaceId)
        .execute();
      const ofRecord = new Map(recordTypes.map((row) => [row.document_id, row.source_type]));
      const counts = new Map<string, number>();
      for (const document of visible) {
        const type = ofRecord.get(document.id) ?? document.sourceType;
        counts.set(type, (counts.get(type) ?? 0) + 1);
      }
      return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sourceType, documents]) => ({ sourceType, documents }));
    },

    /**
     * Ids of the workspace's documents a retrieval filter lets through: the source type and
     * updated_at of the record (or, for a document that is no record, its own source type and
     * indexing time), and record fields compared as text.
     */
    async matchingDocumentIds(workspaceId: number, filter: RetrievalFilter): Promise<Set<number>> {
      const { from, to } = dateBounds(filter);
      const updated = sql<string>`coalesce(r.updated_at, d.updated_at)`;
      let query = db.selectFrom('documents as d').leftJoin('document_records as r', 'r.document_id', 'd.id').select('d.id').where('d.workspace_id', '=', workspaceId);
      if (filter.sourceTypes?.length) query = query.where(sql<string>`coalesce(r.source_type, d.source_type)`, 'in', filter.sourceTypes);
      if (from) query = query.where(updated, '>=', from);
      if (to) query = query.where(updated, to.inclusive ? '<=' : '<', to.value);
      for (const [key, value] of Object.entries(filter.metadata ?? {})) {
        query = query.where(sql<string>`cast(json_extract(r.metadata, ${`$."${key}"`}) as text)`, '=', String(value));
      }
      return new Set((await query.execute()).map((row) => row.id));
    },
  };
}

export type RecordService = ReturnType<typeof createRecordService>;
