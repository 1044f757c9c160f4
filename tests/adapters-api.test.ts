/**
 * Bringing a LoRA adapter back through the API and the CLI (issue 12): checked against a
 * registered base, stored content-addressed in the data folder, refused with a coded reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../electron/core/paths.ts';
import { ensureLoraFixtures } from './fixtures/tiny-lora.ts';
import { openTestApp, rejectsWithCode } from './helpers/app.ts';

const lora = await ensureLoraFixtures();

test('adapters.import: GGUF, PEFT and MLX adapters for a registered base end up as one content-addressed GGUF each; bad ones are refused with their reason', async () => {
  const app = await openTestApp();
  try {
    const base = await app.call('models.add', { path: lora.base });
    const fromPeft = await app.call('adapters.import', { baseModelId: base.id, path: lora.peft });
    assert.equal(fromPeft.format, 'peft');
    assert.equal(path.dirname(fromPeft.filePath), path.join(app.dataDir, 'adapters'));
    assert.equal(path.basename(fromPeft.filePath), `${fromPeft.sha256}.gguf`);
    assert.equal(fromPeft.architecture, 'llama');
    assert.ok(fromPeft.targets.length > 0);
    const fromMlx = await app.call('adapters.import', { baseModelId: base.id, path: lora.mlx });
    assert.equal(fromMlx.format, 'mlx');
    const again = await app.call('adapters.import', { baseModelId: base.id, path: lora.peft });
    assert.equal(again.reused, true, 'the same adapter twice is stored once');
    assert.equal(again.filePath, fromPeft.filePath);

    const other = await rejectsWithCode(app.call('adapters.import', { baseModelId: base.id, path: lora.ggufOtherArchitecture }), 'ADAPTER_MISMATCH');
    assert.equal(other.params?.['reason'], 'architecture');
    const truncated = await rejectsWithCode(app.call('adapters.import', { baseModelId: base.id, path: lora.peftTruncatedSafetensors }), 'ADAPTER_INVALID');
    assert.equal(truncated.params?.['reason'], 'safetensors_truncated');
    await rejectsWithCode(app.call('adapters.import', { baseModelId: base.id, path: 'relative/peft' }), 'VALIDATION');
    await rejectsWithCode(app.call('adapters.import', { baseModelId: 999, path: lora.peft }), 'NOT_FOUND');
    const stored = fs.readdirSync(path.join(app.dataDir, 'adapters')).filter((name) => name.endsWith('.gguf'));
    assert.equal(stored.length, 2, 'refusals stored nothing');
  } finally {
    await app.close();
  }
});

test('evaldesk adapters import prints what was stored, and a refusal with its reason', async () => {
  const app = await openTestApp();
  const base = await app.call('models.add', { path: lora.base });
  await app.close();
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'evaldesk.mjs'), '--data-dir', app.dataDir, '--cpu', '--threads', '1', ...args], { encoding: 'utf8' });
  const ok = cli('adapters', 'import', '--base', String(base.id), lora.mlx);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /Stored MLX adapter for model 1 as .*adapters\/[0-9a-f]{64}\.gguf/);
  const refused = cli('adapters', 'import', '--base', String(base.id), lora.peftOtherShapes);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /ADAPTER_MISMATCH/);
});
