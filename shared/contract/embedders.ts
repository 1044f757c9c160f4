import { z } from 'zod';
import { method } from './define.ts';

/** An embedding model EvalDesk can use, as found on this workstation. */
export interface EmbedderOption {
  /** What settings and workspaces store: `onnx:<folder>`, `onnx:<folder>@fp32` or `gguf:<path>`. */
  spec: string;
  kind: 'onnx' | 'gguf';
  name: string;
  /** Query/passage prefix family recognised from the name (e5, nomic, bge) or `plain`. */
  family: string;
  /** ONNX: quantized (smaller, faster) or full precision. */
  precision: 'q8' | 'fp32' | null;
  /** A model built for embeddings (ONNX folders, GGUF embedding architectures) rather than a chat model. */
  recommended: boolean;
}

export const embedderMethods = {
  /** Embedders found under `<models folder>/embeddings` plus registered GGUF models; reads no model. */
  'embedders.list': method<EmbedderOption[]>()({ input: z.object({}).strict(), permission: 'read' }),
};
