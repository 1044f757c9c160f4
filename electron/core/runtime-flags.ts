import { flashAttentionModes, type AppSettings, type FlashAttentionMode } from '../../shared/contract/entities.ts';

/**
 * The command-line switches of the front ends that run models (the CLI, `npm run web`): each
 * overrides one stored runtime setting for that process only. One parser for both, so a value
 * is checked the same way wherever it is typed.
 */
export const runtimeFlagOptions = {
  threads: { type: 'string' },
  cpu: { type: 'boolean' },
  'flash-attention': { type: 'string' },
} as const;

export const runtimeFlagsUsage = '[--threads N] [--cpu] [--flash-attention auto|on|off]';

export type RuntimeOverrides = Partial<Pick<AppSettings, 'threads' | 'flashAttention'>> & { gpu?: 'cpu' };

/** The overrides the switches ask for; a value out of range throws a RangeError that says which and why. */
export function runtimeOverrides(values: { threads?: string | undefined; cpu?: boolean | undefined; 'flash-attention'?: string | undefined }): RuntimeOverrides {
  const overrides: RuntimeOverrides = {};
  if (values.threads !== undefined) {
    const threads = Number(values.threads);
    if (values.threads.trim() === '' || !Number.isInteger(threads) || threads < 0 || threads > 512) throw new RangeError(`--threads must be a whole number from 0 to 512 (0: one per physical core), got "${values.threads}".`);
    overrides.threads = threads;
  }
  if (values.cpu) overrides.gpu = 'cpu';
  const flashAttention = values['flash-attention'];
  if (flashAttention !== undefined) {
    if (!(flashAttentionModes as readonly string[]).includes(flashAttention)) throw new RangeError(`--flash-attention must be auto, on or off, got "${flashAttention}".`);
    overrides.flashAttention = flashAttention as FlashAttentionMode;
  }
  return overrides;
}
