/** What the fuzz target seeds that the fuzzer should know by name, shared by both sides. */
import { tinyEmbedderName } from '../fixtures/tiny-embedder.ts';

/** The test embedder installed in the target's models folder and chosen in its settings. */
export const seededEmbedderSpec = `onnx:${tinyEmbedderName}`;

/** Realistic values for string fields whose schema cannot say what works (see GenerationContext). */
export function realisticStrings(): Record<string, string[]> {
  return {
    embedder: [seededEmbedderSpec],
    embedderId: [seededEmbedderSpec],
    key: ['question:1', 'evaluation:1', 'workspace:1:systemPrompt'],
    docId: ['board_post:1', 'board_post:2'],
  };
}
