import fs from 'node:fs';
import path from 'node:path';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * The model benchmarks run on: a real small model from ../shared/models when present (the
 * workstation's copy), otherwise the project's generated fixture.
 */
export async function benchmarkModelPath(): Promise<string> {
  const shared = path.resolve(import.meta.dirname, '..', '..', 'shared', 'models', 'stories260K.gguf');
  if (fs.existsSync(shared)) return shared;
  const { ensureFixtures } = await import('../tests/fixtures/tiny-models.ts');
  return (await ensureFixtures()).tinyChat;
}
