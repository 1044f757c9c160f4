import type { Workspace } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import type { DocumentRecord } from '../documents/document-service.ts';
import type { JobRegistry } from '../jobs/jobs.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { createLlamaJsonGenerator, type JsonGenerator } from '../runtime/json-generator.ts';
import type { LlamaRuntime } from '../runtime/llama-runtime.ts';
import type { VectorStore } from '../vectors/vector-store.ts';
import { extractDocumentGraph, toTopLevelMetadata, type DocumentGraphResult } from './extract.ts';
import { documentGraph, documentsMentioning, matchEntitiesInQuestion, needsExtraction, oneHopRelations, saveDocumentGraph } from './store.ts';

/** The extraction model's context: room for a part of the document, the prompt and the JSON answer. */
const extractionContextSize = 4096;
/** Tokens kept for the prompt's instructions and the answer (CJK byte-fallback can take 4 tokens a character). */
const promptAndAnswerTokens = 1_800;
const callTimeoutMs = 120_000;

/**
 * Seed 002's graph-RAG metadata at ingest (issue 15): once a document is searchable in a workspace
 * with extraction on, a model (the workspace's, or the loaded chat model) extracts its summary,
 * entities and relations in the background, one document at a time, as a cancellable job; the
 * result goes to SQLite (entities, mentions, relations) and onto the document's LanceDB rows.
 * Search never waits for it.
 */
export function createGraphService(
  db: Db,
  deps: {
    runtime: Pick<LlamaRuntime, 'withModel' | 'loadedModelId'>;
    models: Pick<ModelRegistry, 'loadRequest'>;
    vectors: Pick<VectorStore, 'documentChunks' | 'setDocumentMetadata'>;
    jobs: JobRegistry;
    workspace: (id: number) => Promise<Workspace>;
    /** Fixed model answers (tests of the pipeline at the service boundary). */
    generator?: JsonGenerator;
  },
) {
  let queue: Promise<unknown> = Promise.resolve();
  /** Set when the app closes: what is still waiting in the queue never starts. */
  let stopped = false;

  async function extractWith(document: DocumentRecord, text: string, modelId: number, signal: AbortSignal, onProgress: (fraction: number) => void): Promise<DocumentGraphResult> {
    const common = { timeoutMs: callTimeoutMs, title: document.title, signal, onProgress };
    if (deps.generator) return extractDocumentGraph(text, { ...common, generate: deps.generator, countTokens: (t) => [...t].length, partTokens: 2_000 });
    const request = await deps.models.loadRequest(modelId);
    return deps.runtime.withModel({ ...request, signal }, extractionContextSize, (side, sideSignal) =>
      extractDocumentGraph(text, {
        ...common,
        signal: sideSignal,
        generate: createLlamaJsonGenerator(side, { maxTokens: 1_500, signal: sideSignal }),
        countTokens: (t) => side.model.tokenize(t).length,
        partTokens: Math.max(256, Math.min(extractionContextSize, side.model.trainContextSize || extractionContextSize) - promptAndAnswerTokens),
      }),
    );
  }

  async function extract(document: DocumentRecord): Promise<'extracted' | 'skipped'> {
    if (stopped) return 'skipped';
    const workspace = await deps.workspace(document.workspaceId);
    const modelId = workspace.graphModelId ?? deps.runtime.loadedModelId();
    if (!workspace.graphExtraction || modelId === null || !document.contentHash || !document.embedderId || !document.dimensions) return 'skipped';
    const { embedderId, dimensions, contentHash } = document;
    if (!(await needsExtraction(db, document.id, contentHash))) {
      // Same content re-indexed (its rows were rewritten without metadata), or a table whose graph
      // columns were just added: the stored extraction goes back onto the rows without the model.
      const stored = await documentGraph(db, document.id);
      if (stored) await deps.vectors.setDocumentMetadata(embedderId, dimensions, document.workspaceId, document.docId, toTopLevelMetadata(stored));
      return 'skipped';
    }
    return deps.jobs.run('graph-extract', `graph:${document.id}`, async (job) => {
      const chunks = await deps.vectors.documentChunks(embedderId, dimensions, document.id);
      const result = await extractWith(document, chunks.map((chunk) => chunk.text).join('\n'), modelId, job.signal, (fraction) => job.progress(fraction, document.title));
      await saveDocumentGraph(db, { workspaceId: document.workspaceId, documentId: document.id, contentHash, modelId, result });
      await deps.vectors.setDocumentMetadata(embedderId, dimensions, document.workspaceId, document.docId, toTopLevelMetadata(result));
      return 'extracted' as const;
    });
  }

  return {
    /** A document is searchable: extract its graph after the ones already waiting (never blocks the caller). */
    schedule(document: DocumentRecord): Promise<unknown> {
      const run = queue.then(() => extract(document));
      queue = run.catch((error: unknown) => console.error(`[evaldesk] graph extraction of document ${document.id} failed`, error));
      return run;
    },

    /** Changes whenever a document of the workspace gets a new extraction (a retrieval cache key). */
    async version(workspaceId: number): Promise<string> {
      const row = await db.selectFrom('graph_extractions').select((eb) => [eb.fn.max('extracted_at').as('last'), eb.fn.countAll<number>().as('count')]).where('workspace_id', '=', workspaceId).executeTakeFirst();
      return `${row?.last ?? ''}:${row?.count ?? 0}`;
    },

    /** Closing: nothing waiting starts; the running job is cancelled with the others. */
    stop(): void {
      stopped = true;
    },

    /** Waits for scheduled extractions (closing cancels their jobs first). */
    idle: () => queue,

    /**
     * Entity-aware retrieval: the workspace's entities named in `question` whose documents are
     * among `visibleDocumentIds`, those documents, and the relations stated in them one hop from
     * the named entities. Entities only other users may read of stay unmentioned.
     */
    async expand(workspaceId: number, question: string, visibleDocumentIds: ReadonlySet<number>) {
      const matched = await matchEntitiesInQuestion(db, workspaceId, question);
      if (matched.length === 0) return { entities: [], documents: [], relations: [] };
      const documents = (await documentsMentioning(db, workspaceId, matched.map((entity) => entity.name))).filter((doc) => visibleDocumentIds.has(doc.documentId));
      const named = new Map(documents.flatMap((doc) => doc.entities).map((entity) => [entity.id, entity.name]));
      const relations = (await oneHopRelations(db, workspaceId, [...named.keys()], { limit: 50 })).filter((relation) => visibleDocumentIds.has(relation.documentId));
      return { entities: [...named.values()], documents, relations };
    },
  };
}

export type GraphService = ReturnType<typeof createGraphService>;
