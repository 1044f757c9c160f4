import { z } from 'zod';
import { method } from './define.ts';
import { versionRegisterInput, type ModelVersion } from './entities/version.ts';
import { entityId } from './entities/fields.ts';

export const versionMethods = {
  /**
   * Registers a trained LoRA adapter as a new version of a base model: the adapter is checked and
   * stored (see adapters.import), the training run recorded, and the dataset it was trained on
   * linked (its evaluations become "trained into" this version). An adapter that names another
   * base model needs `confirmBaseName: true` (CONFLICT with reason confirm_base_name otherwise).
   */
  'versions.register': method<ModelVersion>()({ input: versionRegisterInput, permission: 'manage' }),
  'versions.list': method<ModelVersion[]>()({ input: z.object({ baseModelId: entityId.optional() }).strict(), permission: 'read' }),
};
