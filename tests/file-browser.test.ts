import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { MethodInput } from '../shared/contract/api.ts';
import { api } from '../shared/contract/api.ts';
import { createFileBrowser } from '../electron/services/browse/file-browser.ts';
import { openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';

/**
 * A home folder with the data folder inside it (as on Linux: ~/.config/EvalDesk) and a models
 * folder elsewhere, plus things the browser must not be fooled by.
 */
function makeTree() {
  const base = fs.realpathSync(tempDir('evaldesk-browse-'));
  const home = path.join(base, 'home');
  const data = path.join(home, '.config', 'EvalDesk');
  const models = path.join(base, 'models-drive');
  const outside = path.join(base, 'outside');
  for (const dir of [home, data, models, outside, path.join(home, 'Documents'), path.join(home, 'folder 10'), path.join(home, 'folder 9')]) fs.mkdirSync(dir, { recursive: true });
  for (const name of ['b.txt', 'A.md', 'file10.gguf', 'file2.gguf', 'file1.GGUF', '.hidden-file']) fs.writeFileSync(path.join(home, name), name);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  fs.writeFileSync(path.join(models, 'model.gguf'), 'gguf');
  fs.symlinkSync(outside, path.join(home, 'link-outside'));
  fs.symlinkSync(models, path.join(home, 'link-to-models'));
  const browser = createFileBrowser({ roots: () => [{ id: 'home', path: home }, { id: 'data', path: data }, { id: 'models', path: models }] });
  const browse = (input: MethodInput<'files.browse'> = {}) => browser.browse(api['files.browse'].input.parse(input));
  return { base, home, data, models, outside, browse };
}

test('lists the home folder by default: roots, folders first, natural name order, hidden left out', async () => {
  const tree = makeTree();
  const listing = await tree.browse();
  assert.deepEqual(listing.roots, [
    { id: 'home', path: tree.home },
    { id: 'data', path: tree.data },
    { id: 'models', path: tree.models },
  ]);
  assert.equal(listing.path, tree.home);
  assert.equal(listing.parent, null, 'the top of a root has no parent to go to');
  assert.equal(listing.selected, null);
  assert.equal(listing.truncated, false);
  assert.deepEqual(
    listing.entries.map((entry) => `${entry.kind}:${entry.name}`),
    ['folder:Documents', 'folder:folder 9', 'folder:folder 10', 'folder:link-to-models', 'file:A.md', 'file:b.txt', 'file:file1.GGUF', 'file:file2.gguf', 'file:file10.gguf'],
  );
  const file = listing.entries.find((entry) => entry.name === 'b.txt')!;
  assert.deepEqual([file.path, file.sizeBytes], [path.join(tree.home, 'b.txt'), 5]);
  assert.ok(!Number.isNaN(Date.parse(file.modifiedAt!)));
  assert.equal(listing.entries.find((entry) => entry.kind === 'folder')!.sizeBytes, null);

  const hidden = await tree.browse({ showHidden: true });
  assert.ok(hidden.entries.some((entry) => entry.name === '.config') && hidden.entries.some((entry) => entry.name === '.hidden-file'));
});

test('filters by kind and by extension (case-insensitive); folders stay reachable', async () => {
  const tree = makeTree();
  const gguf = await tree.browse({ show: 'both', extensions: ['gguf'] });
  assert.deepEqual(gguf.entries.filter((entry) => entry.kind === 'file').map((entry) => entry.name), ['file1.GGUF', 'file2.gguf', 'file10.gguf']);
  assert.ok(gguf.entries.some((entry) => entry.name === 'Documents'));
  const files = await tree.browse({ show: 'files', extensions: ['.md', 'txt'] });
  assert.deepEqual(files.entries.map((entry) => entry.name), ['A.md', 'b.txt']);
  const folders = await tree.browse({ show: 'folders' });
  assert.ok(folders.entries.every((entry) => entry.kind === 'folder'));
});

test('navigates below a root with a parent, and into the data and models roots', async () => {
  const tree = makeTree();
  const documents = await tree.browse({ path: path.join(tree.home, 'Documents') });
  assert.equal(documents.parent, tree.home);
  const data = await tree.browse({ path: tree.data, showHidden: true });
  assert.equal(data.parent, null);
  const models = await tree.browse({ path: path.join(tree.home, 'link-to-models') });
  assert.equal(models.path, tree.models, 'a link to another root lists that root by its real path');
  assert.deepEqual(models.entries.map((entry) => entry.name), ['model.gguf']);
});

test('a file path lists its folder with the file selected (typed-path entry)', async () => {
  const tree = makeTree();
  const listing = await tree.browse({ path: path.join(tree.home, 'Documents', '..', 'file2.gguf') });
  assert.equal(listing.path, tree.home);
  assert.equal(listing.selected, path.join(tree.home, 'file2.gguf'));
  await rejectsWithCode(tree.browse({ path: path.join(tree.home, 'missing.gguf') }), 'NOT_FOUND');
});

test('nothing outside the roots: /etc, `..` escapes and symlinks pointing out are FORBIDDEN', async () => {
  const tree = makeTree();
  const forbidden = await rejectsWithCode(tree.browse({ path: '/etc' }), 'FORBIDDEN');
  assert.match(forbidden.message, /home folder, the data folder and the models folder/);
  await rejectsWithCode(tree.browse({ path: `${tree.home}/../outside` }), 'FORBIDDEN');
  await rejectsWithCode(tree.browse({ path: `${tree.home}/Documents/../../..` }), 'FORBIDDEN');
  await rejectsWithCode(tree.browse({ path: path.join(tree.home, 'link-outside') }), 'FORBIDDEN');
  await rejectsWithCode(tree.browse({ path: path.join(tree.home, 'link-outside', 'secret.txt') }), 'FORBIDDEN');
  const listing = await tree.browse({ showHidden: true });
  assert.ok(!listing.entries.some((entry) => entry.name === 'link-outside'), 'a link leading out is not even listed');
});

test('a FIFO is listed as "other" and never opened, also when its own path is asked for', { skip: process.platform === 'win32' }, async () => {
  const tree = makeTree();
  const fifo = path.join(tree.home, 'pipe.gguf');
  execFileSync('mkfifo', [fifo]);
  // Opening a FIFO for reading blocks until a writer comes: if the browser opened it, this would hang.
  const listing = await tree.browse({ extensions: ['gguf'] });
  const entry = listing.entries.find((candidate) => candidate.name === 'pipe.gguf');
  assert.deepEqual([entry?.kind, entry?.sizeBytes], ['other', null]);
  const selected = await tree.browse({ path: fifo });
  assert.deepEqual([selected.path, selected.selected], [tree.home, fifo]);
});

test('a large folder is cut off at the limit with truncated: true', async () => {
  const tree = makeTree();
  const big = path.join(tree.home, 'big');
  fs.mkdirSync(big);
  for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(big, `f${i}.txt`), '');
  const browser = createFileBrowser({ roots: () => [{ id: 'home', path: tree.home }], maxEntries: 25 });
  const listing = await browser.browse(api['files.browse'].input.parse({ path: big }));
  assert.equal(listing.entries.length, 25);
  assert.equal(listing.truncated, true);
  const all = await tree.browse({ path: big });
  assert.equal(all.entries.length, 40);
  assert.equal(all.truncated, false);
});

test('an unreadable folder is PATH_UNREADABLE with the reason', { skip: process.getuid?.() === 0 ? 'root reads every folder' : false }, async () => {
  const tree = makeTree();
  const locked = path.join(tree.home, 'locked');
  fs.mkdirSync(locked, { mode: 0o000 });
  try {
    const error = await rejectsWithCode(tree.browse({ path: locked }), 'PATH_UNREADABLE');
    assert.equal(error.params?.['reason'], 'permission_denied');
  } finally {
    fs.chmodSync(locked, 0o755);
  }
});

test('through the API: roots are home, data and models; relative paths and /etc are refused', async () => {
  const app = await openTestApp();
  try {
    const listing = await app.call('files.browse', { path: app.dataDir, show: 'folders' });
    const realData = fs.realpathSync(app.dataDir);
    assert.deepEqual(listing.roots.map((root) => root.id), ['home', 'data', 'models']);
    assert.equal(listing.roots.find((root) => root.id === 'data')!.path, realData);
    assert.equal(listing.roots.find((root) => root.id === 'home')!.path, fs.realpathSync(os.homedir()));
    assert.equal(listing.path, realData);
    assert.ok(listing.entries.some((entry) => entry.name === 'models' && entry.kind === 'folder'));
    await rejectsWithCode(app.call('files.browse', { path: 'relative/folder' }), 'VALIDATION');
    if (!['/', '/etc'].some((root) => fs.realpathSync(os.homedir()) === root)) await rejectsWithCode(app.call('files.browse', { path: '/etc' }), 'FORBIDDEN');
  } finally {
    await app.close();
  }
});
