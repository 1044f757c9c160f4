import type { ExportChatTemplate } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import { readChatTemplate } from '../runtime/chat-template.ts';

/**
 * The chat template each model of an export answered with, read from its GGUF file, so the
 * trainer's rendering can be checked against what EvalDesk evaluated. A LoRA version answers with
 * its base model's template (the adapter file has no tokenizer), so its base is read when the
 * version's own file has none.
 */
export async function chatTemplatesOf(db: Db, modelIds: Iterable<number>): Promise<ExportChatTemplate[]> {
  const ids = [...new Set(modelIds)].sort((a, b) => a - b);
  if (ids.length === 0) return [];
  const models = await db.selectFrom('models').select(['id', 'file_path', 'base_model_id']).where('id', 'in', ids).execute();
  const byId = new Map(models.map((model) => [model.id, model]));
  const results: ExportChatTemplate[] = [];
  for (const modelId of ids) {
    let model = byId.get(modelId);
    let template = model ? await readChatTemplate(model.file_path) : undefined;
    for (let hops = 0; template !== undefined && template === null && model?.base_model_id != null && hops < 4; hops++) {
      const baseId: number = model.base_model_id;
      model = byId.get(baseId) ?? (await db.selectFrom('models').select(['id', 'file_path', 'base_model_id']).where('id', '=', baseId).executeTakeFirst());
      template = model ? await readChatTemplate(model.file_path) : undefined;
    }
    results.push(
      template === undefined
        ? { modelId, source: 'unavailable', template: null }
        : template === null
          ? { modelId, source: 'none', template: null }
          : { modelId, source: 'model', template },
    );
  }
  return results;
}
