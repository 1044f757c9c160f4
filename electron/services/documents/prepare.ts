import crypto from 'node:crypto';
import type { Embedder } from '../embeddings/embedder.ts';
import { chunkSections, type Chunk } from './chunker.ts';
import { extractDocument, type ExtractedDocument } from './extract.ts';

export interface PreparedDocument {
  contentHash: string;
  extracted: Omit<ExtractedDocument, 'sections'>;
  chunks: Chunk[];
  vectors: Float32Array[];
}

export interface PrepareRequest {
  bytes: Uint8Array;
  fileName: string;
  declaredEncoding?: string;
  chunkSize: number;
  chunkOverlap: number;
  /** Content hash already indexed for this doc_id: unchanged content is not embedded again. */
  knownHash?: string | null;
}

export function contentHash(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

const embedBatch = 32;

/**
 * Extract -> chunk -> embed for one document. Pure computation (no database), so it runs the same
 * in the ingestion worker and in tests. Returns null when the content is unchanged.
 */
export async function prepareDocument(
  request: PrepareRequest,
  embedder: Embedder,
  onProgress: (fraction: number, phase: string) => void,
  isCancelled: () => boolean,
): Promise<PreparedDocument | null> {
  const hash = contentHash(request.bytes);
  if (request.knownHash && request.knownHash === hash) return null;
  onProgress(0.05, 'extracting');
  const extracted = await extractDocument(request.bytes, request.fileName, request.declaredEncoding ? { declaredEncoding: request.declaredEncoding } : {});
  onProgress(0.15, 'chunking');
  const chunks = chunkSections(extracted.sections, { size: request.chunkSize, overlap: request.chunkOverlap, countTokens: (text) => embedder.countTokens(text) });
  const vectors: Float32Array[] = [];
  for (let i = 0; i < chunks.length; i += embedBatch) {
    if (isCancelled()) throw Object.assign(new Error('cancelled'), { cancelled: true });
    vectors.push(...(await embedder.embedPassages(chunks.slice(i, i + embedBatch).map((chunk) => chunk.text))));
    onProgress(0.15 + 0.85 * Math.min(1, (i + embedBatch) / chunks.length), 'embedding');
  }
  const { sections: _sections, ...meta } = extracted;
  return { contentHash: hash, extracted: meta, chunks, vectors };
}
