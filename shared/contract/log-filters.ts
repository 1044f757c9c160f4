import { z } from 'zod';
import { entityId as id, isoDate, oneToThree } from './entities/fields.ts';

/**
 * The log browser's filters (`logs.query`, `logs.count`), in a module of their own so other
 * contracts can reuse them without a circular import of api.ts: a review queue can be made of
 * the answers these filters select (issue 14).
 */
export const logFilters = z
  .object({
    workspaceId: id.optional(),
    modelId: id.optional(),
    /** A model version; 0 means answers of the base model alone. */
    versionId: z.number().int().min(0).optional(),
    sessionId: id.optional(),
    /** Answers of sessions that used this prompt version. */
    promptVersionId: id.optional(),
    /** 0 means "not evaluated yet". */
    evaluation: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
    priority: oneToThree.optional(),
    status: oneToThree.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    text: z.string().max(500).optional(),
  })
  .strict();
export type LogFilters = z.output<typeof logFilters>;
