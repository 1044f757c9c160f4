import { z } from 'zod';
import { event, method, type MethodSpec } from './define.ts';
import { adapterMethods } from './adapters.ts';
import { versionMethods } from './versions.ts';
import { abMethods } from './ab.ts';
import { downloadMethods } from './downloads.ts';
import { embedderMethods } from './embedders.ts';
import { fileMethods } from './files.ts';
import { reverifyMethods } from './reverify.ts';
import { peopleMethods } from './people.ts';
import { reviewMethods, verdictRules } from './reviews.ts';
import { promptMethods } from './prompts.ts';
import { recordMethods, retrievalFilterSchema } from './records.ts';
import { graphMethods } from './graph.ts';
import { chatTaskInput, threadMethods } from './threads.ts';
import { logFilters } from './log-filters.ts';
import {
  appSettingsPatchInput,
  docIdSchema,
  documentScopes,
  evaluationInput,
  exportFormatNames,
  preferenceSourceNames,
  modelPatchInput,
  sessionSettingsSchema,
  textDocumentFormats,
  workspaceCreateInput,
  workspacePatchInput,
  type AppInfo,
  type AppSettings,
  type ConversationLog,
  type Dataset,
  type DocumentInfo,
  type DocumentListItem,
  type Draft,
  type Evaluation,
  type ExportResult,
  type IngestOutcome,
  type LogDetail,
  type LogListRow,
  type ModelInfo,
  type PassageView,
  type RuntimeStatus,
  type SessionInfo,
  type SyncRun,
  type User,
  type Workspace,
} from './entities.ts';
import { absolutePath, entityId as id, isoDate, longText, oneToThree } from './entities/fields.ts';
import { patchOf } from './entities/derive.ts';

/** Whether a value serialises to JSON within `maxChars`; false for what JSON cannot hold (BigInt over IPC). */
function fitsInJson(value: unknown, maxChars: number): boolean {
  try {
    return JSON.stringify(value ?? null).length <= maxChars;
  } catch {
    return false;
  }
}

/** The log browser's filters live in their own module so that other contracts can reuse them. */
export { logFilters };

export const exportFilters = z
  .object({
    workspaceId: id.optional(),
    modelId: id.optional(),
    /** A model version; 0 means answers of the base model alone. */
    versionId: z.number().int().min(0).optional(),
    evaluations: z.array(oneToThree).min(1).optional(),
    priorities: z.array(oneToThree).min(1).optional(),
    statuses: z.array(oneToThree).min(1).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict();

const empty = z.object({}).strict();

/**
 * The one API contract. Every adapter (Electron IPC, web bridge, CLI) serves exactly these
 * methods through the same dispatcher; the renderer's client is typed from this object.
 */
export const api = {
  ...embedderMethods,
  ...downloadMethods,
  ...fileMethods,
  ...adapterMethods,
  ...versionMethods,
  ...abMethods,
  ...reverifyMethods,
  ...peopleMethods,
  ...threadMethods,
  ...reviewMethods,
  ...promptMethods,
  ...recordMethods,
  ...graphMethods,
  'app.info': method<AppInfo>()({ input: empty, permission: 'read' }),
  'settings.get': method<AppSettings>()({ input: empty, permission: 'read' }),
  'settings.update': method<AppSettings>()({ input: appSettingsPatchInput, permission: 'admin' }),

  'users.current': method<User>()({ input: empty, permission: 'signedIn' }),

  'workspaces.list': method<Workspace[]>()({ input: empty, permission: 'read' }),
  'workspaces.get': method<Workspace>()({ input: z.object({ id }).strict(), permission: 'read' }),
  'workspaces.create': method<Workspace>()({ input: workspaceCreateInput, permission: 'manage' }),
  'workspaces.update': method<Workspace>()({
    input: z.object({ id, patch: workspacePatchInput }).strict(),
    permission: 'manage',
  }),
  'workspaces.delete': method<{ deleted: boolean }>()({ input: z.object({ id }).strict(), permission: 'manage' }),

  'models.list': method<ModelInfo[]>()({ input: empty, permission: 'read' }),
  'models.scan': method<{ added: ModelInfo[]; failed: Array<{ path: string; code: string; message: string }>; truncated: boolean }>()({
    input: empty,
    permission: 'manage',
  }),
  'models.add': method<ModelInfo>()({
    input: z.object({ path: absolutePath, displayName: z.string().trim().min(1).max(200).optional() }).strict(),
    permission: 'manage',
  }),
  'models.update': method<ModelInfo>()({
    input: z.object({ id, patch: modelPatchInput }).strict(),
    permission: 'manage',
  }),
  'models.remove': method<{ removed: boolean; keptForHistory: boolean }>()({ input: z.object({ id }).strict(), permission: 'manage' }),

  'runtime.status': method<RuntimeStatus>()({ input: empty, permission: 'read' }),
  'runtime.load': method<RuntimeStatus>()({ input: z.object({ modelId: id }).strict(), permission: 'ask' }),
  'runtime.unload': method<RuntimeStatus>()({ input: empty, permission: 'ask' }),

  'sessions.start': method<SessionInfo>()({
    /**
     * `versionId`: a registered version of `modelId` (its adapters are applied); the base alone
     * when left out. `adapterScale` overrides the version's scales for this session (0 = the base).
     */
    input: z
      .object({
        workspaceId: id,
        modelId: id,
        versionId: id.nullable().optional(),
        adapterScale: z.number().min(0).max(4).nullable().optional(),
        /** Values for the prompt template's variables (required ones must be given; defaults fill the rest). */
        variables: z.record(z.string().max(40), z.string().max(10_000)).optional(),
        /** Continues one of the caller's threads; a `qa` session without it begins a new thread. */
        threadId: id.optional(),
        /**
         * Settings for this session alone. Precedence: these > the caller's preferences
         * (preferences.update) > the workspace's settings.
         */
        settings: patchOf(sessionSettingsSchema.pick({ temperature: true, maxTokens: true, useDocuments: true })).optional(),
      })
      .strict(),
    permission: 'ask',
  }),
  'sessions.end': method<SessionInfo>()({ input: z.object({ id }).strict(), permission: 'ask' }),
  'sessions.get': method<SessionInfo>()({ input: z.object({ id }).strict(), permission: 'read' }),

  'chat.ask': method<ConversationLog>()({
    input: z
      .object({
        sessionId: id,
        /** What the person typed; with a `task` it may stay empty. */
        question: longText(200_000).default(''),
        /** Chosen by the caller so it can stop this generation and match its token events. */
        requestId: z.string().min(1).max(100),
        /** A summary or a filled document template, in workspaces of those categories. */
        task: chatTaskInput.optional(),
        /** Retrieve only from documents whose metadata matches (source type, updated_at range, record fields). */
        filter: retrievalFilterSchema.optional(),
      })
      .strict(),
    permission: 'ask',
  }),
  'chat.stop': method<{ stopped: boolean }>()({
    input: z.object({ requestId: z.string().min(1).max(100) }).strict(),
    permission: 'ask',
  }),
  'chat.history': method<ConversationLog[]>()({ input: z.object({ sessionId: id }).strict(), permission: 'read' }),

  'logs.query': method<{ rows: LogListRow[]; nextCursor: string | null }>()({
    input: z
      .object({
        filters: logFilters.default({}),
        sort: z.enum(['newest', 'oldest', 'slowest', 'longest']).default('newest'),
        limit: z.number().int().min(1).max(500).default(100),
        /** Opaque cursor from the previous page; keyset paging keeps deep pages as fast as the first. */
        cursor: z.string().max(200).nullish(),
      })
      .strict(),
    permission: 'read',
  }),
  'logs.count': method<{ total: number }>()({
    input: z.object({ filters: logFilters.default({}) }).strict(),
    permission: 'read',
  }),
  'logs.get': method<LogDetail>()({ input: z.object({ id }).strict(), permission: 'read' }),
  'logs.nextUnevaluated': method<{ logId: number | null }>()({
    input: z.object({ afterLogId: id.optional(), sessionId: id.optional(), workspaceId: id.optional() }).strict(),
    permission: 'read',
  }),

  'evaluations.save': method<Evaluation>()({ input: evaluationInput, permission: 'evaluate' }),

  'drafts.get': method<Draft | null>()({ input: z.object({ key: z.string().min(1).max(200) }).strict(), permission: 'read' }),
  'drafts.save': method<Draft>()({
    input: z
      .object({
        key: z.string().min(1).max(200),
        // The dispatcher's nesting limit keeps JSON.stringify's recursion shallow here.
        value: z.unknown().refine((v) => fitsInJson(v, 1_000_000), 'Draft is larger than 1 MB or is not plain JSON'),
      })
      .strict(),
    permission: 'read',
  }),
  'drafts.discard': method<{ discarded: boolean }>()({
    input: z.object({ key: z.string().min(1).max(200) }).strict(),
    permission: 'read',
  }),

  'export.run': method<ExportResult>()({
    input: z
      .object({
        format: z.enum(exportFormatNames),
        name: z.string().trim().min(1).max(100).regex(/^[\p{L}\p{N}._ -]+$/u, 'Use letters, digits, spaces, dots, dashes'),
        /** Absolute folder to write into; defaults to <data>/exports/<name>. Must not exist or be empty. */
        outDir: absolutePath.optional(),
        filters: exportFilters.default({}),
        /** For answers several evaluators judged: the final verdict (or an agreed one), or the majority. */
        verdictRule: z.enum(verdictRules).default('final'),
        seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
        validRatio: z.number().min(0.01).max(0.5).default(0.1),
        testRatio: z.number().min(0).max(0.5).default(0),
        /** Put the passages the model was given into the user turn, as it saw them. */
        includeContext: z.boolean().default(false),
        /** Preference formats (DPO pairs, KTO labelled completions): whether examples come from evaluations, A/B choices or both. */
        preferenceSources: z.array(z.enum(preferenceSourceNames)).min(1).default([...preferenceSourceNames]),
        /** Items of an active re-verification set stay out of training data unless this is set. */
        includeActiveReverification: z.boolean().default(false),
        /** Collapse questions equal after NFKC and whitespace normalization to the newest one. */
        dedupeQuestions: z.boolean().default(true),
        /** A registered model whose tokenizer and training context length every example is checked against. */
        lengthCheckModelId: id.optional(),
        /** Leave out the examples longer than that context (needs lengthCheckModelId). */
        skipTooLong: z.boolean().default(false),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    permission: 'export',
  }),
  'export.markTrained': method<{ updated: number }>()({
    input: z.object({ datasetId: id }).strict(),
    permission: 'export',
  }),
  'datasets.list': method<Dataset[]>()({ input: empty, permission: 'read' }),

  'documents.list': method<DocumentListItem[]>()({ input: z.object({ workspaceId: id }).strict(), permission: 'read' }),
  'documents.addFiles': method<IngestOutcome[]>()({
    input: z
      .object({
        workspaceId: id,
        /** Files or folders (folders are walked for supported files). */
        paths: z.array(absolutePath).min(1).max(10_000),
        scope: z.enum(documentScopes).default('shared'),
        /** Only users of at least this security level (1-3) see and retrieve it. */
        minSecurityLevel: oneToThree.default(1),
        watched: z.boolean().default(false),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    permission: 'ask',
  }),
  'documents.addText': method<IngestOutcome>()({
    input: z
      .object({
        workspaceId: id,
        docId: docIdSchema,
        title: z.string().trim().min(1).max(500),
        /** Raw bytes are not accepted here: text plus a format name (txt, md, html, csv, json). */
        text: z.string().min(1).max(20_000_000),
        format: z.enum(textDocumentFormats).default('txt'),
        sourceType: z.string().trim().min(1).max(50).default('api'),
        scope: z.enum(documentScopes).default('shared'),
        /** Only users of at least this security level (1-3) see and retrieve it. */
        minSecurityLevel: oneToThree.default(1),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    permission: 'ask',
  }),
  'documents.remove': method<{ removed: boolean }>()({ input: z.object({ id }).strict(), permission: 'ask' }),
  'documents.setPinned': method<DocumentInfo>()({ input: z.object({ id, pinned: z.boolean() }).strict(), permission: 'ask' }),
  'documents.setWatched': method<DocumentInfo>()({ input: z.object({ id, watched: z.boolean() }).strict(), permission: 'ask' }),
  'documents.sync': method<SyncRun[]>()({ input: z.object({ workspaceId: id.optional() }).strict(), permission: 'ask' }),
  'documents.syncRuns': method<SyncRun[]>()({ input: z.object({ documentId: id }).strict(), permission: 'read' }),
  'documents.reembed': method<IngestOutcome[]>()({
    input: z.object({ workspaceId: id, jobId: z.string().min(1).max(100).optional() }).strict(),
    permission: 'manage',
  }),
  'documents.passage': method<PassageView>()({
    // Chunk indexes are stored as 32-bit integers; a larger one cannot exist (and broke the vector query).
    input: z.object({ documentId: id, chunkIndex: z.number().int().min(0).max(2 ** 31 - 1) }).strict(),
    permission: 'read',
  }),

  /** Cancels a job the caller started (a manager or admin: any job). */
  'jobs.cancel': method<{ cancelled: boolean }>()({
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    permission: 'ask',
  }),
} satisfies Record<string, MethodSpec<z.ZodType, unknown>>;

export const events = {
  /** A piece of streamed answer text for a chat.ask request. */
  'chat.token': event<{ requestId: string; text: string }>(),
  /** Progress of long work (model load, export): fraction in [0, 1]. */
  'job.progress': event<{ jobId: string; kind: 'model-load' | 'model-scan' | 'export' | 'ingest' | 'download' | 'batch-run' | 'graph-extract'; progress: number; detail?: string }>(),
  /** Per-document ingestion progress, for a progress bar on each document. */
  'document.progress': event<{ jobId: string; path: string | null; docId: string; progress: number; phase: string }>(),
  'runtime.changed': event<RuntimeStatus>(),
};

export type Api = typeof api;
export type MethodName = keyof Api;
export type MethodInput<M extends MethodName> = z.input<Api[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Api[M]['input']>;
export type MethodOutput<M extends MethodName> = Exclude<Api[M]['output'], undefined>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = NonNullable<(typeof events)[E]['payload']>;

export const methodNames = Object.keys(api) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(api, name);
}
