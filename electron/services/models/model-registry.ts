import fs from 'node:fs';
import path from 'node:path';
import type { Selectable } from 'kysely';
import type { ModelInfo, ModelPatch, RuntimeStatus } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow, toColumns } from '../db/rows.ts';
import type { ModelsTable } from '../db/schema.ts';
import type { Job } from '../jobs/jobs.ts';
import type { LlamaRuntime } from '../runtime/llama-runtime.ts';
import { inspectGguf, type GgufFileFacts } from './gguf-inspector.ts';

function toModelInfo(row: Selectable<ModelsTable>): ModelInfo {
  return { ...fromRow('models', row), fileExists: fs.existsSync(row.file_path) };
}

/** Bounds for scanning a models folder: a folder such as "/" must not turn into a disk walk. */
export const scanLimits = { maxDepth: 6, maxEntries: 20_000, maxFiles: 1_000 } as const;

/**
 * Lists .gguf files below a folder without following symlinked folders (no loops, no escapes).
 * Asynchronous, so other calls are served meanwhile; bounded in depth and in entries visited;
 * cancellable between folders.
 */
async function findGgufFiles(root: string, job?: Job): Promise<{ files: string[]; truncated: boolean }> {
  const found: string[] = [];
  const pending: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  let visited = 0;
  let truncated = false;
  while (pending.length > 0) {
    job?.throwIfCancelled();
    if (found.length >= scanLimits.maxFiles || visited >= scanLimits.maxEntries) {
      truncated = true;
      break;
    }
    const { dir, depth } = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    visited += entries.length;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < scanLimits.maxDepth) pending.push({ dir: full, depth: depth + 1 });
        else truncated = true;
      } else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.toLowerCase().endsWith('.gguf')) found.push(full);
    }
    job?.progress(Math.min(0.5, visited / scanLimits.maxEntries), dir);
  }
  return { files: found.sort(), truncated };
}

/** The fields that come from the file itself, refreshed whenever the file is read again. */
function headerColumns(facts: GgufFileFacts) {
  const { fileSize, fingerprint, architecture, parameterCount, quantization, trainingContextLength, hasChatTemplate } = facts;
  return toColumns('models', { fileSize, fingerprint, architecture, parameterCount, quantization, trainingContextLength, hasChatTemplate });
}

/** What the registry needs of the runtime: a registered model is loaded, and unloaded before it is forgotten. */
export type ModelRuntime = Pick<LlamaRuntime, 'load' | 'unload' | 'loadedModelId'>;

export function createModelRegistry(db: Db, deps: { runtime: ModelRuntime }) {
  async function getRow(id: number) {
    const row = await db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Model ${id} does not exist.`, { entity: 'model', id });
    return row;
  }

  async function add(filePath: string, displayName?: string): Promise<ModelInfo> {
    const facts = await inspectGguf(filePath);
    const existing = await db.selectFrom('models').selectAll().where('file_path', '=', facts.filePath).executeTakeFirst();
    if (existing) {
      // Re-adding a known path refreshes what was read from the file (it may have been replaced)
      // and brings back a model that was removed.
      await db.updateTable('models').set({ ...headerColumns(facts), removed_at: null }).where('id', '=', existing.id).execute();
      return toModelInfo(await getRow(existing.id));
    }
    const now = nowIso();
    const created = fs.statSync(facts.filePath).mtime.toISOString();
    const row = await db
      .insertInto('models')
      .values({
        // The file name, not the header's general.name: two fine-tunes of one base often share
        // that name ("llama"), while their files are named apart.
        display_name: displayName ?? path.basename(facts.filePath, path.extname(facts.filePath)),
        file_path: facts.filePath,
        ...headerColumns(facts),
        kind: 'base',
        version: '1',
        base_model_id: null,
        description: '',
        created_at: created,
        trained_at: null,
        registered_at: now,
        removed_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toModelInfo(row);
  }

  /**
   * What the runtime needs to load a registered model. The header is read again: the file may
   * have been deleted, replaced or truncated since registration, and the memory check needs what
   * it declares now.
   */
  async function loadRequest(modelId: number): Promise<{ modelId: number; filePath: string; weightBytes: number }> {
    const facts = await inspectGguf((await getRow(modelId)).file_path);
    return { modelId, filePath: facts.filePath, weightBytes: facts.weightBytes };
  }

  return {
    add,
    async get(id: number): Promise<ModelInfo> {
      return toModelInfo(await getRow(id));
    },
    async list(): Promise<ModelInfo[]> {
      const rows = await db.selectFrom('models').selectAll().where('removed_at', 'is', null).orderBy('display_name').orderBy('id').execute();
      return rows.map(toModelInfo);
    },
    /**
     * Registers every GGUF below the models folder; broken files are reported, not fatal, and
     * `truncated` says a limit stopped the walk.
     */
    async scan(modelsDir: string, job?: Job) {
      const added: ModelInfo[] = [];
      const failed: Array<{ path: string; code: string; message: string }> = [];
      const { files, truncated } = await findGgufFiles(modelsDir, job);
      for (const [index, file] of files.entries()) {
        job?.throwIfCancelled();
        try {
          added.push(await add(file));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          failed.push({ path: file, code: error.code, message: error.message });
        }
        job?.progress(0.5 + (0.5 * (index + 1)) / files.length, path.basename(file));
      }
      return { added, failed, truncated };
    },
    async update(id: number, patch: ModelPatch): Promise<ModelInfo> {
      await getRow(id);
      if (patch.baseModelId !== undefined && patch.baseModelId !== null) {
        if (patch.baseModelId === id) throw new ApiError('VALIDATION', 'A model cannot be its own base model.');
        await getRow(patch.baseModelId);
      }
      const columns = toColumns('models', patch);
      if (Object.keys(columns).length > 0) await db.updateTable('models').set(columns).where('id', '=', id).execute();
      return toModelInfo(await getRow(id));
    },
    /**
     * Loads a registered model into the runtime. The header is read again first: the file may
     * have been deleted, replaced or truncated since registration, and the memory check needs
     * what it declares now.
     */
    async load(modelId: number, job: Job): Promise<RuntimeStatus> {
      return deps.runtime.load({ ...(await loadRequest(modelId)), signal: job.signal, onProgress: (fraction) => job.progress(fraction) });
    },
    loadRequest,
    /**
     * Removes a model from the list; the file on disk is never deleted. A model without sessions
     * is forgotten; one with sessions is hidden (logs, evaluations and exports keep it and its
     * name). A loaded model is unloaded first, so the runtime never serves a removed model.
     */
    async remove(id: number): Promise<{ removed: boolean; keptForHistory: boolean }> {
      await getRow(id);
      if (deps.runtime.loadedModelId() === id) await deps.runtime.unload();
      const used = await db.selectFrom('sessions').select('id').where('model_id', '=', id).limit(1).executeTakeFirst();
      if (used) await db.updateTable('models').set({ removed_at: nowIso() }).where('id', '=', id).execute();
      else await db.deleteFrom('models').where('id', '=', id).execute();
      return { removed: true, keptForHistory: Boolean(used) };
    },
  };
}

export type ModelRegistry = ReturnType<typeof createModelRegistry>;
