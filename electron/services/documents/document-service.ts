import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Selectable } from 'kysely';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { documentFormatOf, documentSchema, type DocumentInfo, type DocumentListItem, type IngestOutcome, type PassageView, type SyncRun } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow, toColumns, type RecordOf } from '../db/rows.ts';
import { isPseudoFileSystemPath } from '../files/safe-fs.ts';
import type { DocumentsTable } from '../db/schema.ts';
import type { Job, JobRegistry } from '../jobs/jobs.ts';
import type { SettingsService } from '../settings/settings.ts';
import type { ChunkOwner, NewChunk, VectorStore } from '../vectors/vector-store.ts';
import type { WorkspaceService } from '../workspaces/workspaces.ts';
import { extractDocument, maxDocumentBytes } from './extract.ts';
import type { EmbedderLocator, IngestRunner } from './ingest-runner.ts';

const toDocumentInfo = (row: Selectable<DocumentsTable>): DocumentInfo => pickFields(documentSchema, fromRow('documents', row));

/** A document as the retriever sees it: every stored field, including the vector table it is in. */
export type DocumentRecord = RecordOf<'documents'>;

/** Documents prepared and committed concurrently by one addFiles call. */
const ingestWindow = 3;
/** After this many documents in one batch, compact the vector table's fragments. */
const compactAfter = 20;

/** A file's default doc_id: readable (its name) and stable (a hash of its absolute path). */
export function docIdForPath(filePath: string): string {
  const absolute = path.resolve(filePath);
  return `file:${path.basename(absolute)}#${crypto.createHash('sha1').update(absolute).digest('hex').slice(0, 10)}`;
}

/** Bounds for walking the folders a user adds: "/" must end with a clear message, not a disk walk. */
export const folderWalkLimits = { maxFiles: 20_000, maxEntries: 200_000, maxDepth: 16 } as const;

/**
 * Supported files below the given paths; folders are walked without following links, skipping
 * system folders (/proc, /sys, /dev), asynchronously and within `folderWalkLimits`; a walk that
 * hits a limit ends with one outcome saying so. Cancellable between folders.
 */
async function collectFiles(paths: string[], signal?: AbortSignal): Promise<Array<{ path: string; error?: ApiError }>> {
  const found: Array<{ path: string; error?: ApiError }> = [];
  const pending = paths.map((p) => ({ dir: path.resolve(p), depth: 0 }));
  let visited = 0;
  while (pending.length > 0) {
    if (signal?.aborted) throw new ApiError('CANCELLED', 'Adding documents was cancelled.');
    if (found.length >= folderWalkLimits.maxFiles || visited >= folderWalkLimits.maxEntries) {
      found.push({ path: paths[0]!, error: new ApiError('VALIDATION', `The folders hold more than ${folderWalkLimits.maxFiles.toLocaleString('en')} files or ${folderWalkLimits.maxEntries.toLocaleString('en')} entries; only the first were added. Choose narrower folders.`, { reason: 'folder_too_large', maxFiles: folderWalkLimits.maxFiles }) });
      break;
    }
    const { dir: current, depth } = pending.shift()!;
    if (depth === 0 && path.dirname(current) === current) {
      found.push({ path: current, error: new ApiError('VALIDATION', `${current} is a whole disk; choose the folder that holds the documents.`, { file: current, reason: 'whole_disk' }) });
      continue;
    }
    if (isPseudoFileSystemPath(current)) {
      found.push({ path: current, error: new ApiError('DOCUMENT_UNSUPPORTED', `${current} is a system folder, not documents.`, { file: current, reason: 'system_folder' }) });
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = await fs.promises.lstat(current);
    } catch {
      found.push({ path: current, error: new ApiError('NOT_FOUND', `${current} does not exist.`, { file: current }) });
      continue;
    }
    if (stat.isDirectory()) {
      let entries: fs.Dirent[] = [];
      try {
        entries = (await fs.promises.readdir(current, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch {
        found.push({ path: current, error: new ApiError('DOCUMENT_UNREADABLE', `The folder ${current} cannot be read.`, { file: current }) });
      }
      visited += entries.length;
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const child = path.join(current, entry.name);
        // Dirent types come from lstat semantics: links are neither folders nor files here.
        if (entry.isDirectory() && depth < folderWalkLimits.maxDepth) pending.push({ dir: child, depth: depth + 1 });
        else if (entry.isFile() && documentFormatOf(entry.name) && found.length < folderWalkLimits.maxFiles) found.push({ path: child });
      }
    } else if (stat.isFile()) {
      found.push(documentFormatOf(current) ? { path: current } : { path: current, error: new ApiError('DOCUMENT_UNSUPPORTED', `${path.basename(current)}: this file type is not supported.`, { file: current }) });
    }
  }
  return found;
}

export interface DocumentServiceDeps {
  vectors: VectorStore;
  /** Keeps each ingested version's bytes, so a document can be re-embedded without its source. */
  store: { put(hash: string, bytes: Uint8Array): void; get(hash: string): Uint8Array | null };
  runner: IngestRunner;
  settings: SettingsService;
  workspaces: WorkspaceService;
  /** Runs background work (re-embedding after an embedder change) as cancellable jobs. */
  jobs: JobRegistry;
  /**
   * A document's ingestion progress, for `audience`: the one user who gets the event, always one
   * who may see the document (issue 14: another user's private path or title is never sent).
   */
  onProgress: (payload: { jobId: string; path: string | null; docId: string; progress: number; phase: string }, audience: number) => void;
  /** The user of the API call the running work belongs to; null for the app's own background work. */
  currentUserId?: () => number | null;
  /** A document's new content is searchable: work that reads it (graph extraction) may start. */
  onIndexed?: (document: DocumentRecord) => void;
}

/** Who one ingestion is for. */
interface IngestFor {
  /** The owner of a new document; an existing document keeps its owner. */
  ownerId: number;
  /** The user whose windows and sockets get the document's progress events: one who may see it. */
  audience: number;
  /**
   * Set when a user adds a document: a doc_id held by a document they may not see (another
   * user's private one, a shared one above their security level) is not theirs to use or replace.
   */
  addedBy?: number;
}

type VisibilityFields = Pick<Selectable<DocumentsTable>, 'scope' | 'owner_id' | 'min_security_level'>;

/**
 * Whether a user of security level `level` may see a document: the workspace's shared documents
 * and their own private ones, up to their level (seed 000). The same rule as `visibleRows`.
 */
function visibleAt(row: VisibilityFields, userId: number, level: number): boolean {
  return (row.scope === 'shared' || row.owner_id === userId) && row.min_security_level <= level;
}

/** The answer for a document a user may not see: word for word the access check's for a missing id (electron/core/access.ts). */
const noSuchDocument = (id: number) => new ApiError('NOT_FOUND', `No such document (${id}).`, { entity: 'documents', id });

interface IngestSource {
  workspaceId: number;
  docId: string;
  title: string;
  format: string;
  bytes: Uint8Array;
  fileName: string;
  sourceType: string;
  sourcePath: string | null;
  fileMtimeMs: number | null;
  scope: 'shared' | 'private';
  /** For a new document; a document added again keeps its level. */
  minSecurityLevel?: 1 | 2 | 3;
  watched?: boolean;
}

export function createDocumentService(db: Db, deps: DocumentServiceDeps) {
  let indexing: Promise<unknown> = Promise.resolve();
  /** Builds the ANN index in the background once a table is big enough; one check at a time. */
  let indexCheckPending = false;
  function maintainIndex(embedderId: string, dimensions: number) {
    if (indexCheckPending) return;
    indexCheckPending = true;
    indexing = indexing
      .then(() => (indexCheckPending = false))
      .then(() => deps.vectors.ensureAnnIndex(embedderId, dimensions))
      .catch((error: unknown) => console.error('[evaldesk] vector index build failed', error));
  }

  /** A user's security level (1-3); 0 for a user that does not exist, who sees nothing. */
  async function securityLevel(userId: number): Promise<number> {
    return (await db.selectFrom('users').select('security_level').where('id', '=', userId).executeTakeFirst())?.security_level ?? 0;
  }

  async function mayView(row: VisibilityFields, userId: number): Promise<boolean> {
    return visibleAt(row, userId, await securityLevel(userId));
  }

  async function getRow(id: number, userId?: number) {
    const row = await db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
    // Another user's private document, or one above the user's security level, does not exist
    // as far as this user is concerned: the same rule as retrieval (`visibleRows`).
    if (!row || (userId !== undefined && !(await mayView(row, userId)))) throw noSuchDocument(id);
    return row;
  }

  /** The workspace's embedder (or the app default) and where ONNX models live: `<models>/embeddings`. */
  async function embedderFor(workspaceId: number): Promise<EmbedderLocator> {
    const workspace = await deps.workspaces.get(workspaceId);
    const settings = await deps.settings.get();
    const spec = workspace.embedderId ?? settings.embedder;
    if (!spec) {
      throw new ApiError('EMBEDDER_UNAVAILABLE', 'No embedding model is set up. Put one in the models folder under embeddings/ and choose it in Settings.');
    }
    return { spec, onnxDir: path.join(settings.modelsDir, 'embeddings') };
  }

  /** A new document's row, `ingesting` into the given embedder's table. */
  async function insertDocument(source: IngestSource, ownerId: number, into: { embedderId: string; dimensions: number; now: string }) {
    const columns = toColumns('documents', {
      workspaceId: source.workspaceId,
      docId: source.docId,
      scope: source.scope,
      ownerId,
      minSecurityLevel: source.minSecurityLevel ?? 1,
      title: source.title,
      sourceType: source.sourceType,
      sourcePath: source.sourcePath,
      format: source.format,
      sizeBytes: source.bytes.length,
      contentHash: null,
      encoding: null,
      status: 'ingesting',
      error: null,
      chunkCount: 0,
      embedderId: into.embedderId,
      dimensions: into.dimensions,
      pinned: false,
      watched: source.watched ?? false,
      fileMtimeMs: source.fileMtimeMs,
      createdAt: into.now,
      updatedAt: into.now,
    });
    return db.insertInto('documents').values(columns).returningAll().executeTakeFirstOrThrow();
  }

  /**
   * Ingests one source: the document row goes to `ingesting`, the worker prepares chunks and
   * vectors, and LanceDB swaps the document's chunks in one commit. On failure the row says why
   * and any earlier version stays searchable as it was.
   */
  async function ingest(source: IngestSource, job: Job, who: IngestFor): Promise<IngestOutcome> {
    const workspace = await deps.workspaces.get(source.workspaceId);
    const locator = await embedderFor(source.workspaceId);
    const { embedderId, dimensions } = await deps.runner.embedderInfo(locator, job.signal);
    const now = nowIso();
    const existing = await db.selectFrom('documents').selectAll().where('workspace_id', '=', source.workspaceId).where('doc_id', '=', source.docId).executeTakeFirst();
    // One refusal, whatever holds the id (another user's private document, a shared one above the
    // user's level): it names no owner, title, scope or path. Doc ids are unique per workspace
    // (the documents table and the vector store key chunks by them), so the id cannot be reused.
    if (existing && who.addedBy !== undefined && !(await mayView(existing, who.addedBy))) {
      throw new ApiError('CONFLICT', `The document id ${source.docId} is already used in this workspace by a document you cannot change; choose another id.`, {
        field: 'docId',
        docId: source.docId,
        reason: 'doc_id_unavailable',
      });
    }
    // A ready document stays ready while it is re-ingested: LanceDB swaps its chunks in one
    // commit, so searches see the old or the new version, and a crash (or an unchanged re-add)
    // never strands it. Other documents are `ingesting`, with the table their chunks go to, so
    // start-up recovery can remove what an interrupted run committed.
    const row = existing
      ? existing.status === 'ready'
        ? existing
        : await db.updateTable('documents').set({ status: 'ingesting', error: null, error_code: null, embedder_id: embedderId, dimensions, updated_at: now }).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow()
      : await insertDocument(source, who.ownerId, { embedderId, dimensions, now });
    const report = (progress: number, phase: string) => deps.onProgress({ jobId: job.id, path: source.sourcePath, docId: source.docId, progress, phase }, who.audience);
    report(0, 'queued');
    try {
      const sameIndex = existing?.status === 'ready' && existing.embedder_id === embedderId;
      const prepared = await deps.runner.prepare(
        locator,
        { bytes: source.bytes, fileName: source.fileName, chunkSize: workspace.chunkSize, chunkOverlap: workspace.chunkOverlap, knownHash: sameIndex ? existing.content_hash : null },
        report,
        job.signal,
      );
      if (!prepared) {
        const unchanged = await db.updateTable('documents').set({ status: 'ready', file_mtime_ms: source.fileMtimeMs }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
        report(1, 'unchanged');
        return { path: source.sourcePath, docId: source.docId, result: 'unchanged', document: toDocumentInfo(unchanged), error: null, warnings: [] };
      }
      const updatedAt = nowIso();
      const owner: ChunkOwner = {
        workspaceId: source.workspaceId,
        documentId: row.id,
        docId: source.docId,
        scope: row.scope,
        ownerId: row.owner_id,
        // A file's name is only a placeholder title: the document's own title (HTML <title>, first heading) wins.
        title: source.title === path.basename(source.fileName) ? prepared.extracted.title : source.title,
        sourceType: source.sourceType,
        updatedAt,
      };
      const chunks: NewChunk[] = prepared.chunks.map((chunk, i) => ({
        index: chunk.index,
        text: chunk.text,
        page: chunk.page ?? null,
        section: chunk.section ?? null,
        vector: prepared.vectors[i]!,
      }));
      job.throwIfCancelled();
      deps.store.put(prepared.contentHash, source.bytes);
      await (existing ? deps.vectors.replaceDocument(embedderId, dimensions, owner, chunks) : deps.vectors.addDocument(embedderId, dimensions, owner, chunks));
      maintainIndex(embedderId, dimensions);
      const done = await db
        .updateTable('documents')
        .set({
          status: 'ready',
          error: null,
          error_code: null,
          title: chunks.length > 0 ? owner.title : source.title,
          format: prepared.extracted.format,
          size_bytes: source.bytes.length,
          content_hash: prepared.contentHash,
          encoding: prepared.extracted.encoding ?? null,
          chunk_count: chunks.length,
          embedder_id: embedderId,
          dimensions,
          file_mtime_ms: source.fileMtimeMs,
          updated_at: updatedAt,
        })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      report(1, 'ready');
      deps.onIndexed?.(fromRow('documents', done));
      return { path: source.sourcePath, docId: source.docId, result: existing ? 'updated' : 'added', document: toDocumentInfo(done), error: null, warnings: prepared.extracted.warnings };
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL', `${source.fileName}: ${(error as Error).message}`);
      const cancelled = apiError.code === 'CANCELLED';
      const failed = await db
        .updateTable('documents')
        .set({ status: existing?.status === 'ready' ? 'ready' : 'failed', error: cancelled ? 'Cancelled.' : apiError.message, error_code: apiError.code, updated_at: nowIso() })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      report(1, cancelled ? 'cancelled' : 'failed');
      return { path: source.sourcePath, docId: source.docId, result: cancelled ? 'cancelled' : 'failed', document: toDocumentInfo(failed), error: { code: apiError.code, message: apiError.message }, warnings: [] };
    }
  }

  function readSource(filePath: string, workspaceId: number, scope: 'shared' | 'private', watched: boolean): IngestSource {
    const stat = fs.statSync(filePath);
    if (stat.size > maxDocumentBytes) {
      throw new ApiError('DOCUMENT_TOO_LARGE', `${path.basename(filePath)} is ${Math.round(stat.size / 1024 / 1024)} MB; documents up to ${maxDocumentBytes / 1024 / 1024} MB are accepted. Split it first.`, { file: filePath });
    }
    return {
      workspaceId,
      docId: docIdForPath(filePath),
      title: path.basename(filePath),
      format: documentFormatOf(filePath) ?? 'txt',
      bytes: fs.readFileSync(filePath),
      fileName: path.basename(filePath),
      sourceType: 'file',
      sourcePath: filePath,
      fileMtimeMs: stat.mtimeMs,
      scope,
      watched,
    };
  }

  async function visibleRows(workspaceId: number, userId: number) {
    return db
      .selectFrom('documents')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('scope', '=', 'shared'), eb('owner_id', '=', userId)]))
      // Seed 000's security levels: a document above the user's level is not theirs to see.
      .where('min_security_level', '<=', (eb) => eb.selectFrom('users').select('security_level').where('id', '=', userId))
      .orderBy('title')
      .orderBy('id')
      .execute();
  }

  async function recordSync(documentId: number, trigger: 'watch' | 'manual', result: SyncRun['result'], message: string | null, startedAt: string): Promise<SyncRun> {
    const row = await db
      .insertInto('document_sync_runs')
      .values({ document_id: documentId, trigger, result, message, started_at: startedAt, finished_at: nowIso() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow('document_sync_runs', row);
  }

  /**
   * Re-embeds a workspace's documents with its current embedder (after the embedder changed),
   * from the stored copy of what was ingested. Old vectors stay in the old embedder's table:
   * nothing is wiped, and switching back finds them again.
   */
  async function reembed(workspaceId: number, job: Job, viewerId: number | null): Promise<IngestOutcome[]> {
    const { embedderId } = await deps.runner.embedderInfo(await embedderFor(workspaceId), job.signal);
    const rows = await db.selectFrom('documents').selectAll().where('workspace_id', '=', workspaceId).where('status', '=', 'ready').execute();
    // Every document is re-embedded, but the user who asked hears only of those they may see:
    // the others' progress goes to their owners, and they are not in the answer.
    const level = viewerId === null ? 0 : await securityLevel(viewerId);
    const seen = (row: VisibilityFields) => viewerId !== null && visibleAt(row, viewerId, level);
    const outcomes: IngestOutcome[] = [];
    for (const [index, row] of rows.entries()) {
      if (row.embedder_id === embedderId) continue;
      const bytes = row.content_hash ? deps.store.get(row.content_hash) : null;
      if (!bytes) {
        if (seen(row)) outcomes.push({ path: row.source_path, docId: row.doc_id, result: 'failed', document: toDocumentInfo(row), error: { code: 'NOT_FOUND', message: `${row.title}: the ingested copy is missing; add the document again.` }, warnings: [] });
        continue;
      }
      const outcome = await ingest(
        { workspaceId, docId: row.doc_id, title: row.title, format: row.format, bytes, fileName: row.source_path ? path.basename(row.source_path) : `${row.title}.${row.format}`, sourceType: row.source_type, sourcePath: row.source_path, fileMtimeMs: row.file_mtime_ms, scope: row.scope },
        job,
        { ownerId: row.owner_id, audience: seen(row) ? viewerId! : row.owner_id },
      );
      if (seen(row)) outcomes.push(outcome);
      // The job's progress goes to whoever started it: a title they may not see stays out.
      job.progress((index + 1) / rows.length, seen(row) ? row.title : undefined);
    }
    return outcomes;
  }

  // A new embedder means new vectors: re-embed in the background, with progress, keeping the old ones.
  deps.workspaces.onEmbedderChanged((workspaceId) => {
    const viewerId = deps.currentUserId?.() ?? null;
    void deps.jobs.background('ingest', `reembed:${workspaceId}:${Date.now()}`, (job) => reembed(workspaceId, job, viewerId), 're-embedding');
  });

  return {
    async list(workspaceId: number, userId: number): Promise<DocumentListItem[]> {
      await deps.workspaces.get(workspaceId);
      const rows = await visibleRows(workspaceId, userId);
      const records = await db.selectFrom('document_records').select('document_id').where('workspace_id', '=', workspaceId).execute();
      const recordIds = new Set(records.map((record) => record.document_id));
      return rows.map((row) => ({ ...toDocumentInfo(row), isRecord: recordIds.has(row.id) }));
    },

    /** The documents of a workspace that the user may see: the workspace's shared ones and their own private ones. */
    /** Ids of the workspace's documents above `userId`'s security level. */
    async hiddenByLevel(workspaceId: number, userId: number): Promise<number[]> {
      const rows = await db
        .selectFrom('documents')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('min_security_level', '>', (eb) => eb.selectFrom('users').select('security_level').where('id', '=', userId))
        .execute();
      return rows.map((row) => row.id);
    },

    /**
     * The workspace's document under `docId`, if any, and whether `userId` may see it (the same
     * rule as `visibleRows`): structured records address documents by their doc_id.
     */
    async byDocId(workspaceId: number, docId: string, userId: number): Promise<{ document: DocumentInfo; visible: boolean } | null> {
      const row = await db.selectFrom('documents').selectAll().where('workspace_id', '=', workspaceId).where('doc_id', '=', docId).executeTakeFirst();
      return row ? { document: toDocumentInfo(row), visible: await mayView(row, userId) } : null;
    },

    /** One document as `userId` may see it: NOT_FOUND when it is another's private one or above their level. */
    async get(id: number, userId: number): Promise<DocumentRecord> {
      return fromRow('documents', await getRow(id, userId));
    },

    async visibleDocuments(workspaceId: number, userId: number): Promise<DocumentRecord[]> {
      return (await visibleRows(workspaceId, userId)).map((row) => fromRow('documents', row));
    },

    /** Files and folders: each file is its own outcome; one bad file never stops the others. */
    async addFiles(input: ParsedInput<'documents.addFiles'>, userId: number, job: Job): Promise<IngestOutcome[]> {
      await deps.workspaces.get(input.workspaceId);
      // Loaded once for the whole batch: an embedder that cannot load fails the call once,
      // instead of once per file after a timeout each.
      await deps.runner.embedderInfo(await embedderFor(input.workspaceId), job.signal);
      const files = await collectFiles(input.paths, job.signal);
      const outcomes: IngestOutcome[] = new Array(files.length);
      let done = 0;
      const one = async (index: number) => {
        const file = files[index]!;
        const docId = docIdForPath(file.path);
        if (job.signal.aborted) {
          outcomes[index] = { path: file.path, docId, result: 'cancelled', document: null, error: { code: 'CANCELLED', message: 'Cancelled.' }, warnings: [] };
        } else {
          try {
            if (file.error) throw file.error;
            outcomes[index] = await ingest({ ...readSource(file.path, input.workspaceId, input.scope, input.watched), minSecurityLevel: input.minSecurityLevel }, job, { ownerId: userId, audience: userId, addedBy: userId });
          } catch (error) {
            const apiError = error instanceof ApiError ? error : new ApiError('DOCUMENT_UNREADABLE', `${path.basename(file.path)}: ${(error as Error).message}`);
            outcomes[index] = { path: file.path, docId, result: 'failed', document: null, error: { code: apiError.code, message: apiError.message }, warnings: [] };
          }
        }
        job.progress(++done / files.length, path.basename(file.path));
      };
      // A few documents in flight: the worker embeds the next one while this thread commits the
      // previous one to LanceDB. Memory stays bounded by the window, not by the folder size.
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(ingestWindow, files.length) }, async () => {
        while (next < files.length) await one(next++);
      }));
      const written = outcomes.find((o) => o.document?.embedderId && o.document.status === 'ready');
      if (outcomes.length > compactAfter && written?.document) {
        const { embedderId, id } = written.document;
        const dimensions = (await getRow(id)).dimensions!;
        // Compaction only tidies fragments: the documents are in either way.
        await deps.vectors.optimize(embedderId!, dimensions).catch((error: unknown) => console.error('[evaldesk] compacting the vector table failed', error));
      }
      return outcomes;
    },

    /** Text pushed through the API or CLI under a caller-chosen doc_id (seed 002: `board_post:12`). */
    async addText(input: ParsedInput<'documents.addText'>, userId: number, job: Job): Promise<IngestOutcome> {
      return ingest(
        {
          workspaceId: input.workspaceId,
          docId: input.docId,
          title: input.title,
          format: input.format,
          bytes: Buffer.from(input.text, 'utf8'),
          fileName: `${input.title}.${input.format}`,
          sourceType: input.sourceType,
          sourcePath: null,
          fileMtimeMs: null,
          scope: input.scope,
          minSecurityLevel: input.minSecurityLevel,
        },
        job,
        { ownerId: userId, audience: userId, addedBy: userId },
      );
    },

    /** Removes the document and its vectors; the vectors go first so nothing orphaned stays searchable. */
    async remove(id: number, userId: number): Promise<{ removed: boolean }> {
      const row = await getRow(id, userId);
      if (row.embedder_id && row.dimensions) await deps.vectors.deleteDocument(row.embedder_id, row.dimensions, row.workspace_id, row.doc_id);
      await db.deleteFrom('documents').where('id', '=', id).execute();
      return { removed: true };
    },

    async setFlag(id: number, userId: number, flag: 'pinned' | 'watched', value: boolean): Promise<DocumentInfo> {
      const row = await getRow(id, userId);
      if (flag === 'watched' && value && !row.source_path) {
        throw new ApiError('VALIDATION', 'Only documents added from a file can be watched.');
      }
      const updated = await db
        .updateTable('documents')
        .set(toColumns('documents', flag === 'pinned' ? { pinned: value } : { watched: value }))
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDocumentInfo(updated);
    },

    /**
     * Re-ingests watched documents whose file changed (seed 000's re-sync queue), logging each run.
     * A user's manual sync covers the documents they may see (as `visibleRows`), and only those are
     * in its answer; the app's own timer pass covers every watched document, each document's
     * progress going to its owner.
     */
    async syncWatched(workspaceId: number | undefined, by: { trigger: 'manual'; userId: number } | { trigger: 'watch' }, job: Job): Promise<SyncRun[]> {
      const { trigger } = by;
      let query = db.selectFrom('documents').selectAll().where('watched', '=', 1);
      if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
      if (by.trigger === 'manual') {
        query = query
          .where((eb) => eb.or([eb('scope', '=', 'shared'), eb('owner_id', '=', by.userId)]))
          .where('min_security_level', '<=', (eb) => eb.selectFrom('users').select('security_level').where('id', '=', by.userId));
      }
      const runs: SyncRun[] = [];
      for (const row of await query.execute()) {
        const startedAt = nowIso();
        if (!row.source_path || !fs.existsSync(row.source_path)) {
          runs.push(await recordSync(row.id, trigger, 'missing', `${row.source_path ?? 'The source'} no longer exists; the indexed version is kept.`, startedAt));
          continue;
        }
        const mtime = fs.statSync(row.source_path).mtimeMs;
        if (row.file_mtime_ms !== null && mtime === row.file_mtime_ms && row.status === 'ready') {
          runs.push(await recordSync(row.id, trigger, 'unchanged', null, startedAt));
          continue;
        }
        try {
          const outcome = await ingest(readSource(row.source_path, row.workspace_id, row.scope, true), job, { ownerId: row.owner_id, audience: by.trigger === 'manual' ? by.userId : row.owner_id });
          const result = outcome.result === 'failed' || outcome.result === 'cancelled' ? 'failed' : outcome.result === 'unchanged' ? 'unchanged' : 'updated';
          runs.push(await recordSync(row.id, trigger, result, outcome.error?.message ?? null, startedAt));
        } catch (error) {
          runs.push(await recordSync(row.id, trigger, 'failed', (error as Error).message, startedAt));
        }
      }
      return runs;
    },

    /** Re-embeds with the workspace's embedder; `viewerId` hears of (and gets outcomes for) the documents they may see. */
    reembed: (workspaceId: number, job: Job, viewerId: number) => reembed(workspaceId, job, viewerId),

    async syncRuns(documentId: number, userId: number): Promise<SyncRun[]> {
      await getRow(documentId, userId);
      const rows = await db.selectFrom('document_sync_runs').selectAll().where('document_id', '=', documentId).orderBy('id', 'desc').limit(100).execute();
      return rows.map((row) => fromRow('document_sync_runs', row));
    },

    /**
     * A document's whole text, read again from the ingested copy: the source a summary answer
     * is asked about. Checked like search: another user's private document, or one above the
     * user's security level, does not exist for them.
     */
    async fullText(documentId: number, workspaceId: number, userId: number): Promise<{ title: string; text: string }> {
      const row = await getRow(documentId, userId);
      if (row.workspace_id !== workspaceId) throw noSuchDocument(documentId);
      const bytes = row.status === 'ready' && row.content_hash ? deps.store.get(row.content_hash) : null;
      if (!bytes) throw new ApiError('NOT_FOUND', `${row.title} has no ingested text to read.`, { entity: 'document', id: documentId, reason: 'document_not_ready' });
      const extracted = await extractDocument(bytes, row.source_path ? path.basename(row.source_path) : `${row.title}.${row.format}`);
      return { title: row.title, text: extracted.sections.map((section) => section.text).join('\n\n') };
    },

    /** One chunk of a document, for "open the passage" from a citation; scope-checked like search. */
    async passage(documentId: number, chunkIndex: number, userId: number): Promise<PassageView> {
      const row = await getRow(documentId, userId);
      if (!row.embedder_id || !row.dimensions) throw new ApiError('NOT_FOUND', 'This document has no indexed text yet.');
      const chunk = await deps.vectors.chunk(row.embedder_id, row.dimensions, row.id, chunkIndex);
      if (!chunk) throw new ApiError('NOT_FOUND', `Passage ${chunkIndex} of document ${documentId} does not exist.`);
      return { document: toDocumentInfo(row), chunkIndex, text: chunk.text, page: chunk.page, section: chunk.section };
    },

    /**
     * Start-up recovery after a crash: documents left `queued` or `ingesting` lose whatever chunks
     * the interrupted run committed and are marked failed. Those that came from a file that still
     * exists are returned, to be ingested again in the background.
     */
    async recoverInterrupted(): Promise<{ failed: number; requeue: Array<{ id: number; path: string }> }> {
      const rows = await db.selectFrom('documents').selectAll().where('status', 'in', ['queued', 'ingesting']).execute();
      const requeue: Array<{ id: number; path: string }> = [];
      for (const row of rows) {
        if (row.embedder_id && row.dimensions) await deps.vectors.deleteDocument(row.embedder_id, row.dimensions, row.workspace_id, row.doc_id);
        await db
          .updateTable('documents')
          .set({ status: 'failed', error: 'The app closed while this document was being added; it was not indexed.', error_code: 'INTERRUPTED', chunk_count: 0, content_hash: null, updated_at: nowIso() })
          .where('id', '=', row.id)
          .execute();
        if (row.source_path && fs.existsSync(row.source_path)) requeue.push({ id: row.id, path: row.source_path });
      }
      return { failed: rows.length, requeue };
    },

    /** Ingests documents again from their files (after recovery), with their own owner and scope. */
    async reingest(ids: number[], job: Job): Promise<IngestOutcome[]> {
      const outcomes: IngestOutcome[] = [];
      for (const [index, id] of ids.entries()) {
        job.throwIfCancelled();
        const row = await db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row?.source_path) continue;
        try {
          outcomes.push(await ingest(readSource(row.source_path, row.workspace_id, row.scope, fromRow('documents', row).watched), job, { ownerId: row.owner_id, audience: row.owner_id }));
        } catch (error) {
          const apiError = error instanceof ApiError ? error : new ApiError('DOCUMENT_UNREADABLE', `${row.title}: ${(error as Error).message}`);
          outcomes.push({ path: row.source_path, docId: row.doc_id, result: 'failed', document: toDocumentInfo(row), error: apiError.toPayload(), warnings: [] });
        }
        // No title: the job is the app's own, and its progress is no user's to read.
        job.progress((index + 1) / ids.length);
      }
      return outcomes;
    },

    embedderFor,

    /** Resolves once background index maintenance started by ingestion has finished. */
    idle: () => indexing,
  };
}

export type DocumentService = ReturnType<typeof createDocumentService>;
