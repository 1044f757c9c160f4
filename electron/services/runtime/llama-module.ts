/**
 * node-llama-cpp is loaded on first use, not at start-up: importing it costs ~45 MB of memory and
 * noticeable time, which the CLI's export or a window that never loads a model should not pay.
 */
let module: Promise<typeof import('node-llama-cpp')> | null = null;

export function loadLlamaModule(): Promise<typeof import('node-llama-cpp')> {
  module ??= import('node-llama-cpp');
  return module;
}
