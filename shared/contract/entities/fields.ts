import { z } from 'zod';
import { absolutePathMessage, isAbsolutePath } from '../paths.ts';

/** Field schemas shared by several entities and inputs, so each bound is written once. */

export const entityId = z.number().int().positive();
/** A moment stored and sent as ISO-8601 text in UTC. */
export const timestamp = z.string();
/** A date filter or date field typed by a person: a full ISO timestamp with offset, or a day. */
export const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());
/** Free text a person typed: bounded so a runaway paste cannot exhaust memory, never trimmed away. */
export const longText = (max: number) => z.string().max(max);
/** Priority and training status share the 1..3 coding of verdicts. */
export const oneToThree = z.union([z.literal(1), z.literal(2), z.literal(3)]);

/**
 * A file or folder on the machine running EvalDesk (shared/contract/paths.ts says why absolute).
 * The `format` tells generic tools (the fuzzer) that this string names a path.
 */
export const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((value) => !value.includes('\u0000'), 'a path cannot contain the character U+0000')
  .refine((value) => isAbsolutePath(value), absolutePathMessage)
  .meta({ format: 'absolute-path' });
