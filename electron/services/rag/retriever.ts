import type { DocumentService } from '../documents/document-service.ts';
import type { EmbedderLocator } from '../documents/ingest-runner.ts';
import { openEmbedder, type Embedder } from '../embeddings/embedder.ts';
import type { VectorStore } from '../vectors/vector-store.ts';

export interface RetrievedPassage {
  chunkId: string;
  documentId: number;
  docId: string;
  chunkIndex: number;
  title: string;
  page: number | null;
  section: string | null;
  text: string;
  score: number;
  pinned: boolean;
}

export interface RetrievalRequest {
  workspaceId: number;
  userId: number;
  question: string;
  topN: number;
  threshold: number;
  hybrid?: boolean;
}

/**
 * Finds the passages an answer may use: pinned documents first (always, if they fit), then the
 * nearest chunks above the threshold. Shared and private results come from one scope-filtered
 * search, so the merge cannot leak another user's private chunks.
 */
export function createRetriever(deps: { vectors: VectorStore; documents: DocumentService; threads: number }) {
  const embedders = new Map<string, Promise<Embedder>>();

  /** Query embedding happens here in the main process: one short text, with a cached model. */
  function embedderFor(locator: EmbedderLocator): Promise<Embedder> {
    const key = `${locator.spec}\u0000${locator.onnxDir}`;
    let pending = embedders.get(key);
    if (!pending) {
      pending = openEmbedder(locator.spec, { onnxDir: locator.onnxDir, threads: deps.threads });
      embedders.set(key, pending);
      pending.catch(() => embedders.delete(key));
    }
    return pending;
  }

  return {
    async retrieve(request: RetrievalRequest): Promise<RetrievedPassage[]> {
      const documents = (await deps.documents.visibleRows(request.workspaceId, request.userId)).filter((doc) => doc.status === 'ready' && doc.embedder_id && doc.dimensions);
      if (documents.length === 0) return [];
      const embedder = await embedderFor(await deps.documents.embedderFor(request.workspaceId));
      const passages: RetrievedPassage[] = [];

      for (const doc of documents.filter((d) => d.pinned === 1 && d.embedder_id === embedder.id)) {
        const rows = (await deps.vectors.withTable(embedder.id, embedder.dimensions, (table) =>
          table.query().where(`document_id = ${doc.id}`).select(['chunk_id', 'chunk_index', 'text', 'page', 'section']).limit(10_000).toArray(),
        )) as Array<Record<string, unknown>>;
        rows.sort((a, b) => Number(a['chunk_index']) - Number(b['chunk_index']));
        for (const row of rows) {
          passages.push({
            chunkId: String(row['chunk_id']),
            documentId: doc.id,
            docId: doc.doc_id,
            chunkIndex: Number(row['chunk_index']),
            title: doc.title,
            page: (row['page'] as number | null) ?? null,
            section: (row['section'] as string | null) ?? null,
            text: String(row['text']),
            score: 1,
            pinned: true,
          });
        }
      }

      const vector = await embedder.embedQuery(request.question);
      const hits = await deps.vectors.search(embedder.id, embedder.dimensions, {
        vector,
        workspaceId: request.workspaceId,
        userId: request.userId,
        topN: request.topN,
        threshold: request.threshold,
        ...(request.hybrid && { fullText: request.question }),
      });
      const seen = new Set(passages.map((p) => p.chunkId));
      for (const hit of hits) {
        if (seen.has(hit.chunkId)) continue;
        passages.push({ chunkId: hit.chunkId, documentId: hit.documentId, docId: hit.docId, chunkIndex: hit.chunkIndex, title: hit.title, page: hit.page, section: hit.section, text: hit.text, score: hit.score, pinned: false });
      }
      return passages;
    },

    async close(): Promise<void> {
      for (const pending of embedders.values()) await (await pending.catch(() => null))?.dispose();
      embedders.clear();
    },
  };
}

export type Retriever = ReturnType<typeof createRetriever>;
