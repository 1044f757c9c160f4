import type { VersionRef } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';

export type VersionRefOf = (modelId: number, versionId: number | null) => Promise<VersionRef>;

/**
 * Names versions for one listing: the model's display name and the version's name, each read
 * once (a model or version can be renamed, so the names are never kept longer). The base alone
 * has versionName null: the screens and the report say "base" in their reader's language.
 */
export function versionRefs(db: Db): VersionRefOf {
  const models = new Map<number, Promise<string>>();
  const versions = new Map<number, Promise<string | null>>();
  const modelName = (id: number) => {
    if (!models.has(id)) models.set(id, db.selectFrom('models').select('display_name').where('id', '=', id).executeTakeFirst().then((row) => row?.display_name ?? `#${id}`));
    return models.get(id)!;
  };
  const versionName = (id: number) => {
    if (!versions.has(id)) versions.set(id, db.selectFrom('model_versions').select('name').where('id', '=', id).executeTakeFirst().then((row) => row?.name ?? `#${id}`));
    return versions.get(id)!;
  };
  return async (modelId, versionId) => ({ modelId, modelName: await modelName(modelId), versionId, versionName: versionId === null ? null : await versionName(versionId) });
}
