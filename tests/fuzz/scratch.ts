/** The fuzzer's temp area: a data folder, a renderer folder and files that path inputs point at. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFixtures } from '../fixtures/tiny-models.ts';

export interface ScratchArea {
  root: string;
  dataDir: string;
  rendererDir: string;
  /** Files and folders for path inputs; the only place fuzzed writes may land. */
  scratch: string;
  /** Paths that name real, readable things (documents, models good and broken, folders). */
  knownGood: string[];
  /** The tiny chat model the target registers and loads. */
  modelPath: string;
  remove(): void;
}

export async function createScratchArea(): Promise<ScratchArea> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'evaldesk-fuzz-'));
  const dataDir = path.join(root, 'data');
  const rendererDir = path.join(root, 'renderer');
  const scratch = path.join(root, 'scratch');
  const docs = path.join(scratch, 'docs');
  for (const dir of [dataDir, rendererDir, docs, path.join(scratch, 'empty'), path.join(scratch, 'exports'), path.join(scratch, 'cyclic')]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>EvalDesk fuzz</title>');

  fs.writeFileSync(path.join(docs, 'note.txt'), 'The notice period is thirty days. Refunds take five working days.');
  fs.writeFileSync(path.join(docs, 'guide.md'), '# 휴가\n연차 휴가는 최소 사흘 전에 신청해야 합니다.\n\n## 経費\n経費精算の締め日は毎月二十五日です。\n');
  fs.writeFileSync(path.join(docs, 'table.csv'), 'name,days\n"Kim, J",3\nSato,5\n');
  fs.writeFileSync(path.join(docs, 'data.json'), JSON.stringify({ policy: { title: 'Travel', steps: ['book', '承認'] } }));
  fs.writeFileSync(path.join(docs, 'page.html'), '<html><head><title>규정</title></head><body><h1>Rules</h1><p>Be kind.</p></body></html>');
  fs.writeFileSync(path.join(docs, 'empty.txt'), '');
  fs.writeFileSync(path.join(docs, 'broken.pdf'), 'this is not a PDF');
  fs.writeFileSync(path.join(docs, 'mixed 名前 ملف.txt'), 'שלום 世界 \u0000 control \u001b[31m text');
  fs.writeFileSync(path.join(scratch, 'cyclic', 'a.txt'), 'inside a folder that links to its parent');
  fs.symlinkSync('..', path.join(scratch, 'cyclic', 'back'));
  fs.symlinkSync('loop', path.join(scratch, 'loop'));
  // A FIFO never ends: reading it blocks until a writer comes, which is never.
  const fifo = path.join(scratch, 'fifo.txt');
  const madeFifo = spawnSync('mkfifo', [fifo]).status === 0;
  // The model fixtures are generated here rather than used from the project's cache: answers
  // then name only temp paths, so any project path in an answer is a leak, not a fixture.
  const models = await ensureFixtures(path.join(scratch, 'fixtures'));

  return {
    root,
    dataDir,
    rendererDir,
    scratch,
    knownGood: [
      path.join(docs, 'note.txt'),
      docs,
      path.join(scratch, 'cyclic'),
      ...(madeFifo ? [fifo] : []),
      models.tinyChat,
      models.tinyNoChat,
      models.truncated,
      models.notAModel,
      models.unsupportedArch,
      // Declares ~200 GB of weights (stored sparse): loading it must be refused, not attempted.
      models.tooBig,
    ],
    modelPath: models.tinyChat,
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
