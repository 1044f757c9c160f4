import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

/** The layering rule's messages for `code` as if it were the file at `relativePath`. */
async function layeringErrors(relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, relativePath) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

test('the lint fails on a service file that imports electron', async () => {
  // A real file on disk, linted the way `npm run lint` lints the tree.
  const probe = path.join(root, 'electron', 'services', `layering-probe-${process.pid}.ts`);
  fs.writeFileSync(probe, "import { app } from 'electron';\n\nexport const probe = app;\n");
  try {
    const [result] = await eslint.lintFiles([probe]);
    assert.equal(result!.errorCount, 1);
    assert.equal(result!.messages[0]!.ruleId, 'no-restricted-imports');
    assert.match(result!.messages[0]!.message, /'electron' import is restricted.*Only the Electron shell/);
  } finally {
    fs.rmSync(probe, { force: true });
  }
});

test('services and the core reach neither the adapters, the shell nor the renderer; services never import the core', async () => {
  assert.equal((await layeringErrors('electron/services/chat/x.ts', "const { app } = await import('electron');\nexport { app };\n")).length, 1, 'a dynamic import counts too');
  assert.equal((await layeringErrors('electron/services/chat/x.ts', "import '../../adapters/web/web-bridge.ts';\n")).length, 1);
  assert.equal((await layeringErrors('electron/services/chat/x.ts', "import '../../core/app-core.ts';\n")).length, 1);
  assert.equal((await layeringErrors('electron/core/x.ts', "import '../main/index.ts';\nimport '../../renderer/src/api.ts';\n")).length, 2);
  assert.deepEqual(await layeringErrors('electron/core/x.ts', "import '../services/db/database.ts';\nimport '../../shared/contract/api.ts';\nimport path from 'node:path';\n"), []);
  assert.deepEqual(await layeringErrors('electron/preload/x.ts', "import { ipcRenderer } from 'electron';\n"), [], 'the shell may');
});

test('shared/ imports neither side nor Node built-ins; the renderer imports only shared/ and packages', async () => {
  assert.equal((await layeringErrors('shared/contract/x.ts', "import fs from 'node:fs';\nimport path from 'path';\nimport '../../electron/core/app-core.ts';\n")).length, 3);
  assert.equal((await layeringErrors('renderer/src/screens/x.tsx', "import '../../../electron/core/app-core.ts';\nimport { ipcRenderer } from 'electron';\n")).length, 2);
  assert.deepEqual(await layeringErrors('renderer/src/screens/x.tsx', "import { useState } from 'react';\nimport type { Workspace } from '../../../shared/contract/entities.ts';\nimport { api } from '../api.ts';\n"), []);
});
