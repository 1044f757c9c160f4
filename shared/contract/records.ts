import { z } from 'zod';
import { method } from './define.ts';
import { documentScopes, type DocumentInfo } from './entities.ts';
import type { ApiErrorPayload } from './errors.ts';
import { absolutePath, entityId, isoDate, oneToThree } from './entities/fields.ts';

/**
 * Structured records (seed 002's document schemas, issue 15): JSON or JSONL objects with a
 * `doc_id`, a `title`, a `content` and any top-level metadata (`source_type`, `event_type`,
 * `doc_schema`, `updated_at`, ids and names). Each record is a sync event for its doc_id.
 */

/** Seed 002's sync triggers: every one but `delete` re-ingests the record under the same doc_id. */
export const recordEventTypes = ['create', 'update', 'restore', 'comment_create', 'comment_update', 'comment_delete', 'manual_sync', 'delete'] as const;
export type RecordEventType = (typeof recordEventTypes)[number];

export const recordFormats = ['json', 'jsonl'] as const;
export type RecordFormat = (typeof recordFormats)[number];

/** A record that cannot be imported, by the line of the file it starts on. */
export interface RecordProblem {
  /** 1-based line of the file (for a JSON array: the line its element starts on). */
  line: number;
  code: 'MALFORMED_LINE' | 'NOT_AN_OBJECT' | 'MISSING_DOC_ID' | 'MISSING_CONTENT' | 'UNKNOWN_EVENT' | 'INVALID_FIELD' | 'TOO_LONG' | 'TOO_MANY';
  /** `invalid_json` for MALFORMED_LINE; the field's name for INVALID_FIELD and TOO_LONG. */
  detail?: string;
  /** The unknown event type, cut to 100 characters. */
  value?: string;
  docId?: string;
}

export interface RecordPreview {
  format: RecordFormat;
  encoding: string;
  validCount: number;
  sample: Array<{ line: number; docId: string; title: string; eventType: RecordEventType; sourceType: string; updatedAt: string | null }>;
  problems: RecordProblem[];
  /** True when problems were cut after the first 1,000. */
  problemsTruncated: boolean;
}

/** What one record's event did. */
export interface RecordOutcome {
  line: number;
  docId: string;
  eventType: RecordEventType;
  result: 'added' | 'updated' | 'unchanged' | 'deleted' | 'missing' | 'failed' | 'cancelled';
  document: DocumentInfo | null;
  /** The code and English sentence; `params` (a reason, the doc id) when the renderer can say it in the user's language. */
  error: { code: string; message: string; params?: ApiErrorPayload['params'] } | null;
}

export interface RecordImportResult {
  outcomes: RecordOutcome[];
  problems: RecordProblem[];
}

/** One sync event in a doc_id's history (kept after a `delete`). */
export interface RecordEvent {
  id: number;
  docId: string;
  documentId: number | null;
  eventType: RecordEventType;
  /** The record's own `updated_at` when it had one, else when it was imported. */
  eventAt: string;
  recordedAt: string;
  result: RecordOutcome['result'];
  errorCode: string | null;
  userId: number | null;
}

export interface RecordHistory {
  docId: string;
  /** The current document, when there is one the caller may see. */
  document: DocumentInfo | null;
  /** Its record's top-level fields (all but `content`), as imported last. */
  metadata: Record<string, unknown> | null;
  events: RecordEvent[];
}

export interface SourceTypeCount {
  sourceType: string;
  documents: number;
}

/** Metadata keys a filter may name: a top-level field of the record. */
export const metadataKey = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a metadata field name is letters, digits and underscores');

/**
 * Limits retrieval to documents whose metadata matches: any of `sourceTypes`, an `updated_at`
 * (the record's own, else when the document was indexed) in [updatedFrom, updatedTo], and each
 * `metadata` field equal to its value.
 */
export const retrievalFilterSchema = z
  .object({
    sourceTypes: z.array(z.string().trim().min(1).max(50)).min(1).max(20).optional(),
    updatedFrom: isoDate.optional(),
    updatedTo: isoDate.optional(),
    metadata: z
      .record(metadataKey, z.union([z.string().max(500), z.number().finite()]))
      .refine((value) => Object.keys(value).length <= 10, 'at most 10 metadata fields')
      .optional(),
  })
  .strict();
export type RetrievalFilter = z.output<typeof retrievalFilterSchema>;

const recordSource = z
  .object({
    workspaceId: entityId,
    /** A JSON or JSONL file on the machine running EvalDesk, or… */
    path: absolutePath.optional(),
    /** …its text, as a browser read it (at most 20 MB). */
    text: z.string().max(20_000_000).optional(),
    format: z.enum(recordFormats).optional(),
  })
  .strict();

export const recordMethods = {
  /** Reads a JSON or JSONL file of records and says what would be imported, with the problems by line. */
  'documents.previewRecords': method<RecordPreview>()({ input: recordSource, permission: 'ask' }),
  /**
   * Applies each valid record's event in file order: re-ingests it under its doc_id (atomic
   * replace) or, for `delete`, removes it. When some records cannot be imported the call is
   * refused (CONFLICT, reason import_problems) unless `acceptProblems` says the user saw them.
   */
  'documents.importRecords': method<RecordImportResult>()({
    input: recordSource
      .extend({
        scope: z.enum(documentScopes).default('shared'),
        minSecurityLevel: oneToThree.default(1),
        acceptProblems: z.boolean().default(false),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    permission: 'ask',
  }),
  /**
   * The source types of the workspace's documents the caller may see (a record's `source_type`,
   * else how it was added: `file`, `api`), each with how many documents have it, by name: what
   * a retrieval filter offers.
   */
  'documents.sourceTypes': method<SourceTypeCount[]>()({
    input: z.object({ workspaceId: entityId }).strict(),
    permission: 'read',
  }),
  /** A doc_id's sync events (newest first) and its current metadata. */
  'documents.recordHistory': method<RecordHistory>()({
    input: z.object({ workspaceId: entityId, docId: z.string().trim().min(1).max(300) }).strict(),
    permission: 'read',
  }),
};
