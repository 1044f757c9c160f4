import { z } from 'zod';
import { event, method, type MethodSpec } from './define.ts';
import type {
  AppInfo,
  DocumentInfo,
  IngestOutcome,
  PassageView,
  SyncRun,
  AppSettings,
  ConversationLog,
  Dataset,
  Draft,
  Evaluation,
  ExportResult,
  LogDetail,
  LogListRow,
  ModelInfo,
  RuntimeStatus,
  SessionInfo,
  User,
  Workspace,
} from './entities.ts';
import { absolutePathMessage, isAbsolutePath } from './paths.ts';

const id = z.number().int().positive();
const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());
/** Free text a person typed: bounded so a runaway paste cannot exhaust memory, never trimmed away. */
const longText = (max: number) => z.string().max(max);
/**
 * A file or folder on the machine running EvalDesk (shared/contract/paths.ts says why absolute).
 * The `format` tells generic tools (the fuzzer) that this string names a path.
 */
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((value) => !value.includes('\u0000'), 'a path cannot contain the character U+0000')
  .refine(isAbsolutePath, absolutePathMessage)
  .meta({ format: 'absolute-path' });
/** Whether a value serialises to JSON within `maxChars`; false for what JSON cannot hold (BigInt over IPC). */
function fitsInJson(value: unknown, maxChars: number): boolean {
  try {
    return JSON.stringify(value ?? null).length <= maxChars;
  } catch {
    return false;
  }
}

export const workspaceInput = z.object({
  name: z.string().trim().min(1, 'Name is required').max(200),
  businessDomain: z.string().max(200).default(''),
  category: z.enum(['qa', 'doc_gen', 'summary']).default('qa'),
  systemPrompt: longText(50_000).default(''),
  temperature: z.number().min(0).max(2).default(0.7),
  maxTokens: z.number().int().min(1).max(32_768).default(512),
  contextSize: z.number().int().min(256).max(1_048_576).default(4096),
  historyTurns: z.number().int().min(0).max(100).default(4),
  topN: z.number().int().min(1).max(50).default(4),
  similarityThreshold: z.number().min(-1).max(1).default(0.25),
  chatMode: z.enum(['chat', 'query']).default('chat'),
  refusalResponse: z.string().max(5_000).default('There is no relevant information in the documents of this workspace.'),
  chunkSize: z.number().int().min(16).max(8192).default(256),
  chunkOverlap: z.number().int().min(0).max(4096).default(32),
  embedderId: z.string().min(1).max(4096).nullable().default(null),
  hybridSearch: z.boolean().default(false),
});

/** Seed 002's stable document ids (`board_post:12`): printable, no control characters. */
const docId = z.string().trim().min(1).max(300).regex(/^[^\u0000-\u001f\u007f]+$/u, 'Document ids cannot contain control characters');

export const logFilters = z
  .object({
    workspaceId: id.optional(),
    modelId: id.optional(),
    sessionId: id.optional(),
    /** 0 means "not evaluated yet". */
    evaluation: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    status: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    text: z.string().max(500).optional(),
  })
  .strict();

export const exportFilters = z
  .object({
    workspaceId: id.optional(),
    modelId: id.optional(),
    evaluations: z.array(z.union([z.literal(1), z.literal(2), z.literal(3)])).min(1).optional(),
    priorities: z.array(z.union([z.literal(1), z.literal(2), z.literal(3)])).min(1).optional(),
    statuses: z.array(z.union([z.literal(1), z.literal(2), z.literal(3)])).min(1).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict();

export const evaluationInput = z
  .object({
    logId: id,
    evaluation: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    reason: longText(10_000).nullish(),
    correctAnswer: longText(200_000).nullish(),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3)]).nullish(),
    memo: longText(10_000).nullish(),
  })
  .strict();

const empty = z.object({}).strict();

/**
 * The one API contract. Every adapter (Electron IPC, web bridge, CLI) serves exactly these
 * methods through the same dispatcher; the renderer's client is typed from this object.
 */
export const api = {
  'app.info': method<AppInfo>()({ input: empty, permission: 'read' }),
  'settings.get': method<AppSettings>()({ input: empty, permission: 'read' }),
  'settings.update': method<AppSettings>()({
    input: z
      .object({
        modelsDir: absolutePath.optional(),
        language: z.enum(['en', 'ko', 'ja']).optional(),
        threads: z.number().int().min(0).max(512).optional(),
        gpuLayers: z.union([z.literal('auto'), z.literal('max'), z.number().int().min(0).max(10_000)]).optional(),
        gpu: z.enum(['auto', 'cpu']).optional(),
        embedder: z.string().min(1).max(4096).nullable().optional(),
        annIndexThreshold: z.number().int().min(1000).max(100_000_000).optional(),
      })
      .strict(),
    permission: 'manage',
  }),

  'users.current': method<User>()({ input: empty, permission: 'read' }),

  'workspaces.list': method<Workspace[]>()({ input: empty, permission: 'read' }),
  'workspaces.get': method<Workspace>()({ input: z.object({ id }).strict(), permission: 'read' }),
  'workspaces.create': method<Workspace>()({ input: workspaceInput.strict(), permission: 'manage' }),
  'workspaces.update': method<Workspace>()({
    input: z.object({ id, patch: workspaceInput.partial().strict() }).strict(),
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
    input: z
      .object({
        id,
        patch: z
          .object({
            displayName: z.string().trim().min(1).max(200).optional(),
            version: z.string().max(100).optional(),
            description: longText(10_000).optional(),
            baseModelId: id.nullable().optional(),
            kind: z.enum(['base', 'lora', 'full']).optional(),
            trainedAt: isoDate.nullable().optional(),
          })
          .strict(),
      })
      .strict(),
    permission: 'manage',
  }),
  'models.remove': method<{ removed: boolean }>()({ input: z.object({ id }).strict(), permission: 'manage' }),

  'runtime.status': method<RuntimeStatus>()({ input: empty, permission: 'read' }),
  'runtime.load': method<RuntimeStatus>()({ input: z.object({ modelId: id }).strict(), permission: 'ask' }),
  'runtime.unload': method<RuntimeStatus>()({ input: empty, permission: 'ask' }),

  'sessions.start': method<SessionInfo>()({
    input: z.object({ workspaceId: id, modelId: id }).strict(),
    permission: 'ask',
  }),
  'sessions.end': method<SessionInfo>()({ input: z.object({ id }).strict(), permission: 'ask' }),
  'sessions.get': method<SessionInfo>()({ input: z.object({ id }).strict(), permission: 'read' }),

  'chat.ask': method<ConversationLog>()({
    input: z
      .object({
        sessionId: id,
        question: longText(200_000),
        /** Chosen by the caller so it can stop this generation and match its token events. */
        requestId: z.string().min(1).max(100),
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
        format: z.enum(['mlx', 'openai']),
        name: z.string().trim().min(1).max(100).regex(/^[\p{L}\p{N}._ -]+$/u, 'Use letters, digits, spaces, dots, dashes'),
        /** Absolute folder to write into; defaults to <data>/exports/<name>. Must not exist or be empty. */
        outDir: absolutePath.optional(),
        filters: exportFilters.default({}),
        seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
        validRatio: z.number().min(0.01).max(0.5).default(0.1),
        testRatio: z.number().min(0).max(0.5).default(0),
        /** Put the passages the model was given into the user turn, as it saw them. */
        includeContext: z.boolean().default(false),
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

  'documents.list': method<DocumentInfo[]>()({ input: z.object({ workspaceId: id }).strict(), permission: 'read' }),
  'documents.addFiles': method<IngestOutcome[]>()({
    input: z
      .object({
        workspaceId: id,
        /** Files or folders (folders are walked for supported files). */
        paths: z.array(absolutePath).min(1).max(10_000),
        scope: z.enum(['shared', 'private']).default('shared'),
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
        docId,
        title: z.string().trim().min(1).max(500),
        /** Raw bytes are not accepted here: text plus a format name (txt, md, html, csv, json). */
        text: z.string().min(1).max(20_000_000),
        format: z.enum(['txt', 'md', 'html', 'csv', 'json']).default('txt'),
        sourceType: z.string().trim().min(1).max(50).default('api'),
        scope: z.enum(['shared', 'private']).default('shared'),
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
    input: z.object({ documentId: id, chunkIndex: z.number().int().min(0) }).strict(),
    permission: 'read',
  }),

  'jobs.cancel': method<{ cancelled: boolean }>()({
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    permission: 'read',
  }),
} satisfies Record<string, MethodSpec<z.ZodType, unknown>>;

export const events = {
  /** A piece of streamed answer text for a chat.ask request. */
  'chat.token': event<{ requestId: string; text: string }>(),
  /** Progress of long work (model load, export): fraction in [0, 1]. */
  'job.progress': event<{ jobId: string; kind: 'model-load' | 'model-scan' | 'export' | 'ingest'; progress: number; detail?: string }>(),
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
