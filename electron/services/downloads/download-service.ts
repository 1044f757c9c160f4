import fs from 'node:fs';
import path from 'node:path';
import type { CatalogEntry, CatalogItem, DownloadResult } from '../../../shared/contract/downloads.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Job } from '../jobs/jobs.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { SettingsService } from '../settings/settings.ts';
import { modelCatalog } from './catalog.ts';
import { listRemoteFiles, resolveHubUrl } from './hub.ts';
import { fetchFileResumable, type RemoteFile } from './resumable-file.ts';
import { defaultTuning, type TransferTuning } from './transfer.ts';

export type { TransferTuning } from './transfer.ts';

export interface DownloadServiceOptions {
  models: Pick<ModelRegistry, 'add' | 'list'>;
  settings: Pick<SettingsService, 'get'>;
  /** Shorter timeouts and fewer retries for tests. */
  tuning?: Partial<TransferTuning>;
  catalog?: readonly CatalogEntry[];
  env?: NodeJS.ProcessEnv;
}

/** Kept free on the disk beyond the download itself, so a download never fills it to the last byte. */
const diskHeadroomBytes = 64 * 1024 * 1024;

/**
 * Where an entry lives. Downloads go to `<models>/.downloads/<id>/` (partial files and, for an
 * embedder, the verified files) and are moved into place only when complete and verified: a GGUF
 * as `<models>/<file>`, an embedder as the folder `<models>/embeddings/<name>`. So neither a
 * models-folder scan nor the embedder loader ever sees half a download.
 */
function layoutOf(entry: CatalogEntry, modelsDir: string) {
  const staging = path.join(modelsDir, '.downloads', entry.id);
  const installed = entry.kind === 'chat' ? path.join(modelsDir, entry.installName) : path.join(modelsDir, 'embeddings', entry.installName);
  const fileTargets = (file: string) => ({
    partial: path.join(staging, `${file}.partial`),
    target: entry.kind === 'chat' ? installed : path.join(staging, file),
  });
  return { staging, installed, fileTargets };
}

/** Total size of the regular files below `dir` (a staging folder holds a handful); 0 when absent. */
async function bytesBelow(dir: string): Promise<number> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesBelow(full);
    else if (entry.isFile()) total += (await fs.promises.stat(full)).size;
  }
  return total;
}

async function isFile(file: string): Promise<boolean> {
  return fs.promises.stat(file).then((stat) => stat.isFile(), () => false);
}

async function exists(file: string): Promise<boolean> {
  return fs.promises.lstat(file).then(() => true, () => false);
}

/** An installed entry: the GGUF file, or an embedder folder holding every catalog file. */
async function installedBytes(entry: CatalogEntry, installed: string): Promise<number | null> {
  if (entry.kind === 'chat') return (await isFile(installed)) ? (await fs.promises.stat(installed)).size : null;
  for (const file of entry.files) if (!(await isFile(path.join(installed, file)))) return null;
  return bytesBelow(installed);
}

/** Removes a staging folder, and `.downloads` with it when no other download keeps anything there. */
async function removeStaging(staging: string): Promise<void> {
  await fs.promises.rm(staging, { recursive: true, force: true });
  await fs.promises.rmdir(path.dirname(staging)).catch(() => {});
}

async function requireFreeSpace(dir: string, neededBytes: number): Promise<void> {
  let available: number;
  try {
    const stats = await fs.promises.statfs(dir);
    available = stats.bavail * stats.bsize;
  } catch {
    return; // Unknown free space: the write itself reports a full disk.
  }
  if (available < neededBytes + diskHeadroomBytes) {
    const gb = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.ceil(bytes / 1e6)} MB`);
    throw new ApiError('DOWNLOAD_FAILED', `Not enough free disk space in ${dir}: the download needs ${gb(neededBytes)} more, ${gb(available)} is free. Free some space or choose another models folder.`, {
      reason: 'disk_full',
      path: dir,
      neededBytes,
      availableBytes: available,
    });
  }
}

/**
 * The "Get models" downloads: a local catalog, and one download routine for its GGUF chat
 * models and ONNX embedders alike (resumable, verified, bounded in every wait). Nothing touches
 * the network until `start` is called.
 */
export function createDownloadService(options: DownloadServiceOptions) {
  const catalog = options.catalog ?? modelCatalog;
  const tuning: TransferTuning = { ...defaultTuning, ...options.tuning };
  const running = new Set<string>();

  function entryOf(catalogId: string): CatalogEntry {
    const entry = catalog.find((candidate) => candidate.id === catalogId);
    if (!entry) throw new ApiError('NOT_FOUND', `There is no model "${catalogId}" in the download catalog.`, { entity: 'catalog', id: catalogId });
    return entry;
  }

  async function describe(entry: CatalogEntry, modelsDir: string, registered: Map<string, number>): Promise<CatalogItem> {
    const { staging, installed } = layoutOf(entry, modelsDir);
    const onDisk = await installedBytes(entry, installed);
    const partialBytes = onDisk === null ? await bytesBelow(staging) : 0;
    return {
      ...entry,
      languages: [...entry.languages],
      files: [...entry.files],
      state: onDisk !== null ? 'installed' : partialBytes > 0 ? 'partial' : 'not_installed',
      bytesOnDisk: onDisk ?? partialBytes,
      installedPath: onDisk !== null ? installed : null,
      modelId: onDisk !== null && entry.kind === 'chat' ? (registered.get(path.resolve(installed)) ?? null) : null,
      embedderSpec: onDisk !== null && entry.kind === 'embedder' ? `onnx:${entry.installName}` : null,
      downloading: running.has(entry.id),
    };
  }

  /** Moves verified files into place and says what was installed. */
  async function install(entry: CatalogEntry, installed: string, staging: string): Promise<{ kind: 'chat'; modelId: number } | { kind: 'embedder'; embedderSpec: string }> {
    if (entry.kind === 'chat') {
      // The GGUF itself was renamed into place once verified; what is left is the empty staging folder.
      await removeStaging(staging);
      const model = await options.models.add(installed);
      return { kind: 'chat', modelId: model.id };
    }
    await fs.promises.mkdir(path.dirname(installed), { recursive: true });
    await fs.promises.rename(staging, installed);
    await removeStaging(staging);
    return { kind: 'embedder', embedderSpec: `onnx:${entry.installName}` };
  }

  return {
    async catalog(): Promise<CatalogItem[]> {
      const { modelsDir } = await options.settings.get();
      const registered = new Map((await options.models.list()).map((model) => [path.resolve(model.filePath), model.id]));
      return Promise.all(catalog.map((entry) => describe(entry, modelsDir, registered)));
    },

    /** Downloads or resumes one catalog entry inside `job` (progress, cancellation). */
    async start(catalogId: string, job: Job): Promise<DownloadResult> {
      const entry = entryOf(catalogId);
      if (running.has(entry.id)) throw new ApiError('CONFLICT', `${entry.displayName} is already being downloaded.`, { id: entry.id });
      running.add(entry.id);
      try {
        const settings = await options.settings.get();
        const { staging, installed, fileTargets } = layoutOf(entry, settings.modelsDir);
        const base = { catalogId: entry.id, path: installed, bytesTransferred: 0, resumedFromBytes: 0 };

        if ((await installedBytes(entry, installed)) !== null) {
          // models.add of a registered file only refreshes it, so this also registers a GGUF copied in by hand.
          const result = entry.kind === 'chat' ? { kind: 'chat' as const, modelId: (await options.models.add(installed)).id } : { kind: 'embedder' as const, embedderSpec: `onnx:${entry.installName}` };
          return { ...base, ...result, alreadyInstalled: true };
        }
        if (entry.kind === 'embedder' && (await exists(installed))) {
          throw new ApiError('CONFLICT', `The folder ${installed} already exists but is not a complete ${entry.displayName}. Move it away, then download again.`, { path: installed });
        }

        const remote: RemoteFile[] = await listRemoteFiles(resolveHubUrl(settings.hubUrl, options.env), entry.repo, entry.files, { signal: job.signal, tuning });
        const totalBytes = remote.reduce((sum, file) => sum + file.size, 0);
        await fs.promises.mkdir(staging, { recursive: true }).catch(() => {}); // a write failure below names the real reason
        await requireFreeSpace(staging, Math.max(0, totalBytes - (await bytesBelow(staging))));

        let doneBytes = 0;
        for (const file of remote) {
          const transfer = await fetchFileResumable(file, fileTargets(file.name), {
            signal: job.signal,
            tuning,
            onProgress: (bytesOnDisk) => job.progress(totalBytes > 0 ? (doneBytes + bytesOnDisk) / totalBytes : 0, file.name),
          });
          doneBytes += file.size;
          base.bytesTransferred += transfer.transferred;
          base.resumedFromBytes += transfer.resumedFrom;
        }
        return { ...base, ...(await install(entry, installed, staging)), alreadyInstalled: false };
      } finally {
        running.delete(entry.id);
      }
    },

    /** Removes what an unfinished download kept; installed files stay. */
    async discard(catalogId: string): Promise<{ discarded: boolean; bytesFreed: number }> {
      const entry = entryOf(catalogId);
      if (running.has(entry.id)) throw new ApiError('CONFLICT', `${entry.displayName} is being downloaded; cancel it first.`, { id: entry.id });
      const { staging } = layoutOf(entry, (await options.settings.get()).modelsDir);
      if (!(await exists(staging))) return { discarded: false, bytesFreed: 0 };
      const bytesFreed = await bytesBelow(staging);
      await removeStaging(staging);
      return { discarded: true, bytesFreed };
    },
  };
}

export type DownloadService = ReturnType<typeof createDownloadService>;
