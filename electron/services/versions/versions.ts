import fs from 'node:fs';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { ModelVersion } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { AdapterService } from '../lora/adapter-service.ts';
import type { AdapterToApply } from '../lora/runtime-probe.ts';
import { fingerprintFile } from '../models/gguf-inspector.ts';
import type { ModelRegistry } from '../models/model-registry.ts';

type RegisterInput = ParsedInput<'versions.register'>;

/**
 * Model versions: a base GGUF plus LoRA adapters, with lineage. Registering checks the adapter
 * against the base (and stores it content-addressed), records the training run, and links the
 * dataset it was trained on: that dataset's untreated evaluations become "trained into" this
 * version. A version keeps the base file's fingerprint, so a changed base is noticed at load.
 */
export function createVersionService(db: Db, deps: { adapters: AdapterService; models: Pick<ModelRegistry, 'get'> }) {
  async function toVersion(id: number): Promise<ModelVersion> {
    const row = await db
      .selectFrom('model_versions as v')
      .leftJoin('datasets as d', 'd.id', 'v.dataset_id')
      .leftJoin('fine_tune_jobs as j', 'j.id', 'v.job_id')
      .select(['v.id', 'v.base_model_id', 'v.parent_version_id', 'v.name', 'v.dataset_id', 'd.name as dataset_name', 'v.notes', 'v.base_fingerprint', 'v.trained_at', 'v.created_at', 'j.trainer', 'j.hyperparameters'])
      .where('v.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Model version ${id} does not exist.`, { entity: 'version', id });
    const adapters = await db.selectFrom('model_version_adapters').selectAll().where('version_id', '=', id).orderBy('position').execute();
    const trained = await db.selectFrom('evaluations').select((eb) => eb.fn.countAll<number>().as('n')).where('trained_version_id', '=', id).executeTakeFirstOrThrow();
    const sessions = await db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('version_id', '=', id).executeTakeFirstOrThrow();
    const judged = await db
      .selectFrom('evaluations as e')
      .innerJoin('conversation_logs as l', 'l.id', 'e.log_id')
      .select((eb) => eb.fn.count<number>('e.log_id').distinct().as('n'))
      .where('l.session_id', 'in', (sub) => sub.selectFrom('sessions').select('id').where('version_id', '=', id))
      .executeTakeFirstOrThrow();
    return {
      id: row.id,
      baseModelId: row.base_model_id,
      parentVersionId: row.parent_version_id,
      name: row.name,
      datasetId: row.dataset_id,
      datasetName: row.dataset_name,
      notes: row.notes,
      hyperparameters: row.hyperparameters ? (JSON.parse(row.hyperparameters) as ModelVersion['hyperparameters']) : {},
      trainer: row.trainer ?? '',
      baseFingerprint: row.base_fingerprint,
      trainedAt: row.trained_at,
      createdAt: row.created_at,
      adapters: adapters.map((adapter) => ({
        position: adapter.position,
        filePath: adapter.file_path,
        sha256: adapter.sha256,
        scale: adapter.scale,
        format: adapter.format,
        sourcePath: adapter.source_path,
        alpha: adapter.alpha,
        ranks: JSON.parse(adapter.ranks) as number[],
        targetCount: adapter.target_count,
      })),
      trainedEvaluations: Number(trained.n),
      sessions: Number(sessions.n),
      judgedAnswers: Number(judged.n),
    };
  }

  /** The adapters of a version as the runtime applies them; a missing adapter file is a clear error. */
  /**
   * The base file's fingerprint, computed again only when the file's identity or times changed:
   * every session of a version checks it, and a replaced or rewritten file always changes its
   * inode, size, mtime or ctime. Only the fingerprint is read, not the whole header.
   */
  const fingerprints = new Map<string, { stamp: string; fingerprint: string }>();
  function baseFingerprint(filePath: string): string {
    const stat = fs.statSync(filePath, { bigint: true });
    const stamp = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
    const known = fingerprints.get(filePath);
    if (known?.stamp === stamp) return known.fingerprint;
    const fingerprint = fingerprintFile(filePath, Number(stat.size));
    fingerprints.set(filePath, { stamp, fingerprint });
    return fingerprint;
  }

  async function adaptersFor(versionId: number): Promise<AdapterToApply[]> {
    const rows = await db.selectFrom('model_version_adapters').selectAll().where('version_id', '=', versionId).orderBy('position').execute();
    for (const row of rows) {
      if (!fs.existsSync(row.file_path)) {
        throw new ApiError('ADAPTER_INVALID', `The adapter file of this version (${row.file_path}) is gone from the data folder; register the adapter again.`, { reason: 'adapter_missing', file: row.file_path });
      }
    }
    return rows.map((row) => ({ filePath: row.file_path, scale: row.scale }));
  }

  return {
    get: toVersion,
    adaptersFor,

    /**
     * Whether a version can run on a model: it is a version of that base, the base file is the one
     * it was registered with (a replaced base with the same shapes would load and answer wrongly),
     * and its adapter files are there.
     */
    async checkRunnable(versionId: number, modelId: number): Promise<void> {
      const version = await toVersion(versionId);
      if (version.baseModelId !== modelId) throw new ApiError('VALIDATION', `Version ${version.name} belongs to another base model.`, { field: 'versionId' });
      const base = await deps.models.get(modelId);
      if (!base.fileExists) throw new ApiError('MODEL_MISSING', `The base model file ${base.filePath} is missing.`, { file: base.filePath });
      if (baseFingerprint(base.filePath) !== version.baseFingerprint) {
        throw new ApiError('ADAPTER_MISMATCH', `The base model file changed since version ${version.name} was registered; its adapter was trained for the earlier file. Restore that file or register the adapter again.`, { reason: 'base_changed', file: base.filePath });
      }
      await adaptersFor(versionId);
    },

    async register(input: RegisterInput): Promise<ModelVersion> {
      const base = await deps.models.get(input.baseModelId);
      if (input.parentVersionId !== null) {
        const parent = await toVersion(input.parentVersionId);
        if (parent.baseModelId !== base.id) throw new ApiError('VALIDATION', 'The parent version belongs to another base model.', { field: 'parentVersionId' });
      }
      if (input.datasetId !== null) {
        const dataset = await db.selectFrom('datasets').select('id').where('id', '=', input.datasetId).where('manifest', 'is not', null).executeTakeFirst();
        if (!dataset) throw new ApiError('NOT_FOUND', `Dataset ${input.datasetId} does not exist.`, { entity: 'dataset', id: input.datasetId });
      }
      const taken = await db.selectFrom('model_versions').select('id').where('base_model_id', '=', base.id).where('name', '=', input.name).executeTakeFirst();
      if (taken) throw new ApiError('CONFLICT', `This model already has a version named "${input.name}".`, { field: 'name', reason: 'version_name_taken' });

      const imported = await deps.adapters.import(base.id, input.adapterPath);
      const nameNotice = imported.notices.find((notice) => notice.code === 'BASE_NAME_MISMATCH' || notice.code === 'BASE_NAME_UNKNOWN');
      if (nameNotice && !input.confirmBaseName) {
        // Shapes alone cannot tell an adapter trained on another model of the same shape: the
        // person who trained it has to say it belongs here. Nothing is registered until then.
        throw new ApiError('CONFLICT', `${nameNotice.message} Confirm to register it for ${base.displayName} anyway.`, { reason: 'confirm_base_name', notice: nameNotice.code, ...(imported.declaredBaseModel && { declared: imported.declaredBaseModel }) });
      }

      const hyperparameters = { rank: [...new Set(imported.ranks)].join('/'), alpha: imported.alpha, targetTensors: imported.targets.length, ...input.hyperparameters };
      const id = await db.transaction().execute(async (trx) => {
        const job = await trx
          .insertInto('fine_tune_jobs')
          .values({ dataset_id: input.datasetId, trainer: input.trainer, provider_job_id: null, hyperparameters: JSON.stringify(hyperparameters), metrics: '{}', status: 'succeeded', started_at: null, finished_at: input.trainedAt })
          .returning('id')
          .executeTakeFirstOrThrow();
        const version = await trx
          .insertInto('model_versions')
          .values({ base_model_id: base.id, parent_version_id: input.parentVersionId, name: input.name, dataset_id: input.datasetId, job_id: job.id, notes: input.notes, base_fingerprint: base.fingerprint, trained_at: input.trainedAt, created_at: nowIso() })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('model_version_adapters')
          .values({ version_id: version.id, position: 0, file_path: imported.filePath, sha256: imported.sha256, scale: input.scale, format: imported.format, source_path: input.adapterPath, alpha: imported.alpha, ranks: JSON.stringify(imported.ranks), target_count: imported.targets.length })
          .execute();
        if (input.datasetId !== null) {
          // "Used to train version X": the dataset's untreated evaluations move to trained.
          await trx
            .updateTable('evaluations')
            .set({ status: 2, trained_dataset_id: input.datasetId, trained_version_id: version.id, updated_at: nowIso() })
            .where('status', '=', 1)
            .where('id', 'in', (sub) => sub.selectFrom('dataset_items').select('evaluation_id').where('dataset_id', '=', input.datasetId!))
            .execute();
          await trx.updateTable('datasets').set({ marked_trained_at: nowIso() }).where('id', '=', input.datasetId).where('marked_trained_at', 'is', null).execute();
        }
        return version.id;
      });
      return toVersion(id);
    },

    /** Versions of one base model (or all), oldest first: enough to draw base → v1 → v2. */
    async list(baseModelId?: number): Promise<ModelVersion[]> {
      let query = db.selectFrom('model_versions').select('id').orderBy('id');
      if (baseModelId !== undefined) query = query.where('base_model_id', '=', baseModelId);
      return Promise.all((await query.execute()).map((row) => toVersion(row.id)));
    },
  };
}

export type VersionService = ReturnType<typeof createVersionService>;
