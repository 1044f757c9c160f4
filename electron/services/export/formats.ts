import type { ExportFormat } from '../../../shared/contract/entities.ts';

export type Split = 'train' | 'valid' | 'test';

export interface TrainingExample {
  systemPrompt: string;
  question: string;
  target: string;
  /** Retrieved passages as they were put into the prompt, when the export includes them. */
  context?: string[];
}

/** The user turn: the question alone, or the passages the model saw followed by the question. */
export function userTurn(example: TrainingExample): string {
  if (!example.context?.length) return example.question;
  return `Context:\n${example.context.join('\n\n')}\n\nQuestion: ${example.question}`;
}

interface FormatSpec {
  fileName(split: Split): string;
  line(example: TrainingExample): string;
}

/** Chat messages shared by MLX-LM's chat format and OpenAI's chat fine-tuning format. */
function chatMessages(example: TrainingExample) {
  return [
    ...(example.systemPrompt.trim() ? [{ role: 'system', content: example.systemPrompt }] : []),
    { role: 'user', content: userTurn(example) },
    { role: 'assistant', content: example.target },
  ];
}

/**
 * Training-set formats. MLX-LM's LoRA trainer reads a folder with train/valid/test.jsonl; OpenAI's
 * chat fine-tuning takes a training and a validation file of the same message shape.
 */
export const exportFormats: Record<ExportFormat, FormatSpec> = {
  mlx: {
    fileName: (split) => `${split}.jsonl`,
    line: (example) => JSON.stringify({ messages: chatMessages(example) }),
  },
  openai: {
    fileName: (split) => ({ train: 'training.jsonl', valid: 'validation.jsonl', test: 'test.jsonl' })[split],
    line: (example) => JSON.stringify({ messages: chatMessages(example) }),
  },
};

/**
 * Deterministic split: a hash of (seed, evaluation id) mapped to [0, 1). The same seed always puts
 * the same evaluation in the same split, and rows can be assigned one at a time while streaming.
 */
export function splitFor(seed: number, evaluationId: number, validRatio: number, testRatio: number): Split {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ evaluationId, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  const u = h / 2 ** 32;
  if (u < validRatio) return 'valid';
  if (u < validRatio + testRatio) return 'test';
  return 'train';
}
