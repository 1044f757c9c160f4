import crypto from 'node:crypto';
import type { DocumentService } from '../documents/document-service.ts';
import type { EmbedderFacts, EmbedderLocator, IngestRunner } from '../documents/ingest-runner.ts';
import type { Retrieval, Retriever } from '../rag/retriever.ts';
import type { CacheData } from './cache-data.ts';
import { createLruCache } from './lru.ts';

/**
 * The caches of issue 15 that a benchmark showed worth keeping (bench/caches.ts), each with a
 * time to live and an invalidation rule; `enabled` is the app setting that turns them off for
 * measurements.
 */

type QueryEmbedding = EmbedderFacts & { vector: Float32Array };

const hour = 3_600_000;
const queryEmbeddingNamespace = 'query-embedding';
/** Kept across restarts: the same question in a new session is not embedded again. */
const storedEmbeddingTtlMs = 7 * 24 * hour;

const hash = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

/** Facts and vector as one value for cache_data: a JSON header's length, the header, the floats. */
function encodeEmbedding(embedding: QueryEmbedding): Uint8Array {
  const header = Buffer.from(JSON.stringify({ embedderId: embedding.embedderId, dimensions: embedding.dimensions }));
  const out = Buffer.alloc(4 + header.length + embedding.vector.byteLength);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  Buffer.from(embedding.vector.buffer, embedding.vector.byteOffset, embedding.vector.byteLength).copy(out, 4 + header.length);
  return out;
}

function decodeEmbedding(bytes: Uint8Array): QueryEmbedding | null {
  try {
    const buffer = Buffer.from(bytes);
    const length = buffer.readUInt32LE(0);
    const facts = JSON.parse(buffer.subarray(4, 4 + length).toString()) as EmbedderFacts;
    const data = buffer.subarray(4 + length);
    if (data.byteLength !== facts.dimensions * 4) return null;
    // A copy on its own, aligned buffer (a Float32Array needs 4-byte alignment).
    const vector = new Float32Array(facts.dimensions);
    new Uint8Array(vector.buffer).set(data);
    return { ...facts, vector };
  } catch {
    return null;
  }
}

/**
 * Query embeddings: a question embedded by an embedder is the same vector every time, so it is
 * embedded once and kept in memory (LRU, an hour) and in cache_data (a week). The key is the
 * embedder's locator and the exact text; nothing else can change the vector.
 */
export function cachingQueryEmbedder(runner: Pick<IngestRunner, 'embedQuery'>, deps: { store: CacheData; enabled: () => Promise<boolean> }) {
  const memory = createLruCache<QueryEmbedding>({ capacity: 1_000, ttlMs: hour });
  const stats = { stored: 0 };
  return {
    memory,
    stats: () => ({ ...memory.stats(), storeHits: stats.stored }),
    async embedQuery(locator: EmbedderLocator, text: string, signal?: AbortSignal): Promise<QueryEmbedding> {
      if (!(await deps.enabled())) return runner.embedQuery(locator, text, signal);
      const key = hash(`${locator.spec}\u0000${locator.onnxDir}\u0000${text}`);
      const remembered = memory.get(key);
      if (remembered) return remembered;
      const stored = await deps.store.get(queryEmbeddingNamespace, key);
      const decoded = stored && decodeEmbedding(stored);
      if (decoded) {
        stats.stored++;
        memory.set(key, decoded);
        return decoded;
      }
      const embedding = await runner.embedQuery(locator, text, signal);
      memory.set(key, embedding);
      await deps.store.set(queryEmbeddingNamespace, key, encodeEmbedding(embedding), storedEmbeddingTtlMs);
      return embedding;
    },
  };
}

/**
 * Retrieval results, for the same question with the same settings by the same user. The key holds
 * what the user may see of the workspace's documents as SQLite has it now (ids, versions, status,
 * pins, chunk counts, embedders, the documents above their level): any document change, a pin, a
 * re-embedding or a change of the user's level makes a new key, so a stale result is never
 * served. Ten minutes at most, in memory only (a restart starts afresh).
 */
export function cachingRetriever(
  retriever: Pick<Retriever, 'retrieve'>,
  deps: {
    documents: Pick<DocumentService, 'visibleDocuments' | 'hiddenByLevel'>;
    enabled: () => Promise<boolean>;
    /** What else the result depends on for this request (the workspace's entity graph, when entities are used). */
    version?: (request: Parameters<Retriever['retrieve']>[0]) => Promise<unknown>;
  },
) {
  const memory = createLruCache<Retrieval>({ capacity: 300, ttlMs: 10 * 60_000 });
  return {
    memory,
    async retrieve(request: Parameters<Retriever['retrieve']>[0], signal?: AbortSignal): Promise<Retrieval> {
      if (!(await deps.enabled())) return retriever.retrieve(request, signal);
      const visible = await deps.documents.visibleDocuments(request.workspaceId, request.userId);
      // Nothing to search (a workspace without documents, as in most batch runs): no key to make.
      if (!visible.some((doc) => doc.status === 'ready')) return retriever.retrieve(request, signal, { visible });
      const hidden = await deps.documents.hiddenByLevel(request.workspaceId, request.userId);
      const documents = visible.map((d) => [d.id, d.updatedAt, d.status, d.pinned, d.chunkCount, d.embedderId, d.scope, d.title]);
      const key = hash(JSON.stringify({ request, documents, hidden, version: (await deps.version?.(request)) ?? null }));
      const cached = memory.get(key);
      if (cached) return { ...cached, passages: [...cached.passages] };
      const result = await retriever.retrieve(request, signal, { visible, hidden });
      memory.set(key, result);
      return { ...result, passages: [...result.passages] };
    },
  };
}
