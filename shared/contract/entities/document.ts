import { z } from 'zod';
import { entityId, timestamp } from './fields.ts';

/** The formats EvalDesk reads; a file's format comes from its extension. */
export const documentFormats = ['txt', 'md', 'html', 'csv', 'json', 'pdf', 'docx'] as const;
export type DocumentFormat = (typeof documentFormats)[number];

/** Formats that are text already, so `documents.addText` can take them as a string (PDF and Word need their bytes). */
export const textDocumentFormats = ['txt', 'md', 'html', 'csv', 'json'] as const satisfies readonly DocumentFormat[];
export type TextDocumentFormat = (typeof textDocumentFormats)[number];

/** Other extensions read as one of the formats. */
export const documentExtensionAliases: Readonly<Record<string, DocumentFormat>> = { text: 'txt', markdown: 'md', htm: 'html', xhtml: 'html' };

/** Every file extension EvalDesk ingests, without the dot: for file pickers and folder walks. */
export const documentExtensions: readonly string[] = [...documentFormats, ...Object.keys(documentExtensionAliases)];

/**
 * The format of a file by its extension, or null when EvalDesk cannot read it. A pure string
 * check (no `node:path`): the renderer and the main process judge a name the same way.
 */
export function documentFormatOf(fileName: string): DocumentFormat | null {
  const base = fileName.split(/[\\/]/).at(-1) ?? '';
  const dot = base.lastIndexOf('.');
  // A leading dot is a hidden file's name (".md"), not an extension, as for path.extname.
  if (dot <= 0) return null;
  const extension = base.slice(dot + 1).toLowerCase();
  const format = documentExtensionAliases[extension] ?? extension;
  return (documentFormats as readonly string[]).includes(format) ? (format as DocumentFormat) : null;
}

export const documentScopes = ['shared', 'private'] as const;
export type DocumentScope = (typeof documentScopes)[number];
export const documentStatuses = ['queued', 'ingesting', 'ready', 'failed'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

/** Seed 002's stable document ids (`board_post:12`): printable, no control characters. */
export const docIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .regex(/^[^\u0000-\u001f\u007f]+$/u, 'Document ids cannot contain control characters');

export const documentSchema = z.object({
  id: entityId,
  workspaceId: entityId,
  docId: z.string(),
  scope: z.enum(documentScopes),
  ownerId: entityId,
  /** Only users of at least this security level (seed 000, 1-3) retrieve or see it. */
  minSecurityLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  title: z.string(),
  sourceType: z.string(),
  sourcePath: z.string().nullable(),
  format: z.string(),
  sizeBytes: z.number().int(),
  encoding: z.string().nullable(),
  status: z.enum(documentStatuses),
  /** Why the last ingestion failed, as an English sentence (the CLI prints it)… */
  error: z.string().nullable(),
  /** …and as an error code the renderer translates. */
  errorCode: z.string().nullable(),
  chunkCount: z.number().int(),
  embedderId: z.string().nullable(),
  pinned: z.boolean(),
  watched: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type DocumentInfo = z.output<typeof documentSchema>;

/** A row of the Documents list: the document, and whether it came in as a structured record. */
export const documentListItemSchema = documentSchema.extend({
  /** Imported as a structured record (seed 002): its sync events are kept (`documents.recordHistory`). */
  isRecord: z.boolean(),
});
export type DocumentListItem = z.output<typeof documentListItemSchema>;

export const syncRunSchema = z.object({
  id: entityId,
  documentId: entityId,
  trigger: z.enum(['watch', 'manual']),
  result: z.enum(['updated', 'unchanged', 'failed', 'missing']),
  message: z.string().nullable(),
  startedAt: timestamp,
  finishedAt: timestamp,
});
export type SyncRun = z.output<typeof syncRunSchema>;

export interface IngestOutcome {
  path: string | null;
  docId: string;
  result: 'added' | 'updated' | 'unchanged' | 'failed' | 'cancelled';
  document: DocumentInfo | null;
  error: { code: string; message: string } | null;
  warnings: string[];
}

export interface PassageView {
  document: DocumentInfo;
  chunkIndex: number;
  text: string;
  page: number | null;
  section: string | null;
}
