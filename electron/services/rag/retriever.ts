import type { DocumentRecord, DocumentService } from '../documents/document-service.ts';
import type { IngestRunner } from '../documents/ingest-runner.ts';
import { filterLimits, type RecordService } from '../documents/records.ts';
import type { RetrievalFilter } from '../../../shared/contract/records.ts';
import type { VectorStore } from '../vectors/vector-store.ts';
import type { GraphService } from '../graph/graph-service.ts';

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

/**
 * What retrieval did for an answer: `none` when the workspace has no ready document (nothing was
 * searched), `below_threshold` when it searched and no passage was similar enough, `found`.
 */
export type RetrievalOutcome = 'none' | 'below_threshold' | 'found';

export interface Retrieval {
  outcome: RetrievalOutcome;
  passages: RetrievedPassage[];
  /**
   * Entity-aware retrieval (issue 15): the entities named in the question, the documents they
   * brought in (with the entities that brought each) and the one-hop relations stated in them.
   */
  graph?: { entities: string[]; documents: Array<{ documentId: number; docId: string; via: string[]; added: boolean }>; relations: Array<{ source: string; relation: string; target: string }>; ms: number };
}

export interface RetrievalRequest {
  workspaceId: number;
  userId: number;
  question: string;
  topN: number;
  threshold: number;
  hybrid?: boolean;
  /** Only documents whose metadata matches (issue 15's structured records): source type, updated_at range, record fields. */
  filter?: RetrievalFilter;
  /** Entities named in the question bring in the documents that mention them (issue 15). */
  entities?: boolean;
}

/**
 * Finds the passages an answer may use: pinned documents first (always, if they fit), then the
 * nearest chunks above the threshold. Shared and private results come from one scope-filtered
 * search, so the merge cannot leak another user's private chunks.
 */
/** Passage texts compared after Unicode normalisation and whitespace folding. */
function sameText(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

export function createRetriever(deps: {
  vectors: VectorStore;
  documents: DocumentService;
  runner: Pick<IngestRunner, 'embedQuery'>;
  records?: Pick<RecordService, 'matchingDocumentIds'>;
  graph?: Pick<GraphService, 'expand'>;
}) {
  return {
    /** `known`: what the caller already read of the user's documents for this request (the cache's key). */
    async retrieve(request: RetrievalRequest, signal?: AbortSignal, known?: { visible: DocumentRecord[]; hidden?: number[] }): Promise<Retrieval> {
      const visible = known?.visible ?? (await deps.documents.visibleDocuments(request.workspaceId, request.userId));
      // A metadata filter narrows the documents searched (pinned ones included): the ids it lets
      // through are resolved in SQLite and handed to the vector search.
      const allowed = filterLimits(request.filter) ? await (deps.records?.matchingDocumentIds(request.workspaceId, request.filter) ?? Promise.resolve(new Set<number>())) : null;
      const ready = visible.filter((doc) => doc.status === 'ready' && doc.embedderId && doc.dimensions);
      if (ready.length === 0) return { outcome: 'none', passages: [] };
      const documents = allowed ? ready.filter((doc) => allowed.has(doc.id)) : ready;
      // Documents exist but the filter let none through: a search that found nothing, so the trace keeps the filter.
      if (documents.length === 0) return { outcome: 'below_threshold', passages: [] };
      // The question is embedded in a worker (the main process never opens model files), by the
      // same embedder that indexed the workspace.
      const query = await deps.runner.embedQuery(await deps.documents.embedderFor(request.workspaceId), request.question, signal);
      const passages: RetrievedPassage[] = [];

      for (const doc of documents.filter((d) => d.pinned && d.embedderId === query.embedderId)) {
        for (const chunk of await deps.vectors.documentChunks(query.embedderId, query.dimensions, doc.id)) {
          passages.push({ ...chunk, documentId: doc.id, docId: doc.docId, title: doc.title, score: 1, pinned: true });
        }
      }

      // Chunks of documents that are not ready (an ingestion in progress or interrupted) are
      // never answers, even when LanceDB already holds some of them.
      // Documents above the user's security level are not in `visible`; LanceDB's rows do not
      // carry the level, so they are excluded by id like the ones not ready.
      const hidden = known?.hidden ?? (await deps.documents.hiddenByLevel(request.workspaceId, request.userId));
      const notReady = [...visible.filter((doc) => doc.status !== 'ready').map((doc) => doc.id), ...hidden];
      const hits = await deps.vectors.search(query.embedderId, query.dimensions, {
        vector: query.vector,
        workspaceId: request.workspaceId,
        userId: request.userId,
        topN: request.topN,
        threshold: request.threshold,
        ...(notReady.length > 0 && { excludeDocumentIds: notReady }),
        ...(allowed && { documentIds: documents.map((doc) => doc.id) }),
        ...(request.hybrid && { fullText: request.question }),
      });
      // The same passage from two identical documents (a file added twice under two names) is
      // one passage: listed once, and the prompt's budget is not spent on it twice.
      const seen = new Set(passages.map((p) => p.chunkId));
      const seenText = new Set(passages.map((p) => sameText(p.text)));
      for (const hit of hits) {
        if (seen.has(hit.chunkId) || seenText.has(sameText(hit.text))) continue;
        seen.add(hit.chunkId);
        seenText.add(sameText(hit.text));
        passages.push({ chunkId: hit.chunkId, documentId: hit.documentId, docId: hit.docId, chunkIndex: hit.chunkIndex, title: hit.title, page: hit.page, section: hit.section, text: hit.text, score: hit.score, pinned: false });
      }
      const graphStarted = performance.now();
      const graph = request.entities && deps.graph ? await deps.graph.expand(request.workspaceId, request.question, new Set(documents.map((doc) => doc.id))) : undefined;
      const graphDocuments = graph?.documents ?? [];
      const bringIn = graphDocuments.filter((doc) => !passages.some((p) => p.documentId === doc.documentId));
      if (bringIn.length > 0) {
        // Each mentioning document's chunk nearest to the question, under the same scope filter,
        // whatever its similarity: the entity is why it is here.
        const graphHits = await deps.vectors.search(query.embedderId, query.dimensions, {
          vector: query.vector,
          workspaceId: request.workspaceId,
          userId: request.userId,
          topN: Math.min(200, bringIn.length * 4),
          threshold: -1,
          documentIds: bringIn.map((doc) => doc.documentId),
        });
        for (const doc of bringIn) {
          const hit = graphHits.find((candidate) => candidate.documentId === doc.documentId && !seen.has(candidate.chunkId));
          if (!hit) continue;
          seen.add(hit.chunkId);
          passages.push({ chunkId: hit.chunkId, documentId: hit.documentId, docId: hit.docId, chunkIndex: hit.chunkIndex, title: hit.title, page: hit.page, section: hit.section, text: hit.text, score: hit.score, pinned: false });
        }
      }
      const traced = graph && {
        entities: graph.entities,
        documents: graphDocuments.map((doc) => ({ documentId: doc.documentId, docId: doc.docId, via: doc.entities.map((entity) => entity.name), added: bringIn.some((added) => added.documentId === doc.documentId) })),
        relations: graph.relations.map(({ source, relation, target }) => ({ source, relation, target })),
        ms: performance.now() - graphStarted,
      };
      return { outcome: passages.length > 0 ? 'found' : 'below_threshold', passages, ...(traced && { graph: traced }) };
    },
  };
}

export type Retriever = ReturnType<typeof createRetriever>;
