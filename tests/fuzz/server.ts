/**
 * The fuzz target, run as a child process so that a crash or a hang is something the fuzzer
 * observes rather than suffers: a real app core on a temp data folder behind a real web bridge.
 *
 *   node tests/fuzz/server.ts '<ServerConfig JSON>'
 *
 * Prints `READY <json>` once listening; on an IPC message closes everything and prints
 * `CLOSED <json>` with what it saw (prototype pollution), then exits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startWebBridge } from '../../electron/adapters/web/web-bridge.ts';
import { ensureTinyEmbedder } from '../fixtures/tiny-embedder.ts';
import { openTestApp, type TestApp } from '../helpers/app.ts';
import { seedLogs } from '../helpers/seed.ts';
import { seededEmbedderSpec } from './seeded.ts';

export interface ServerConfig {
  dataDir: string;
  /** Files and folders the seeded documents come from (and that path inputs point into). */
  scratch: string;
  rendererDir: string;
  /** The tiny chat model to register and load. */
  modelPath: string;
  token: string;
  /** False when restarting after a crash or hang: the data folder already holds the seed. */
  seed: boolean;
}

export interface ServerReady {
  port: number;
  pid: number;
  cwd: string;
}

export interface ServerClosed {
  /** Properties that appeared on built-in prototypes during the run. */
  polluted: string[];
}

const prototypes = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype };

function prototypeKeys(): Map<string, string[]> {
  return new Map(Object.entries(prototypes).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String)]));
}

function pollutionSince(before: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [name, keys] of prototypeKeys()) {
    const known = new Set(before.get(name));
    for (const key of keys) if (!known.has(key)) found.push(`${name}.prototype.${key}`);
  }
  return found;
}

/** A workspace, a real tiny model (loaded), a session, logs with evaluations, documents, drafts and a dataset. */
async function seedData(app: TestApp, config: ServerConfig): Promise<void> {
  // A copy in the data folder, like the model: answers then name only temp paths.
  const embedder = ensureTinyEmbedder();
  fs.cpSync(embedder.dir, path.join(config.dataDir, 'models', 'embeddings', embedder.name), { recursive: true });

  await app.call('settings.update', { embedder: seededEmbedderSpec });
  const model = await app.call('models.add', { path: config.modelPath, displayName: 'Fuzz tiny chat' });
  const workspace = await app.call('workspaces.create', { name: 'Fuzz workspace', systemPrompt: 'You answer briefly.', maxTokens: 16, contextSize: 512, temperature: 0 });
  await app.call('runtime.load', { modelId: model.id });
  const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
  await app.call('chat.ask', { sessionId: session.id, question: 'What is the notice period?', requestId: 'seed-1' });
  seedLogs(app.core.internals!.db.raw, { logs: 60, workspaces: 2, models: 1 });
  await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:1', title: 'Notice', text: 'The notice period is thirty days. 해지 통보 기간은 30일입니다.' });
  await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [path.join(config.scratch, 'docs')] });
  await app.call('drafts.save', { key: 'question:1', value: { text: 'draft question' } });
  await app.call('export.run', { format: 'mlx', name: 'fuzz-seed', outDir: path.join(config.scratch, 'exports', 'seed') });
}

async function main() {
  const config = JSON.parse(process.argv[2] ?? '') as ServerConfig;
  const before = prototypeKeys();
  const app = await openTestApp({ dataDir: config.dataDir });
  if (config.seed) await seedData(app, config);
  const bridge = await startWebBridge({ dispatch: app.core.dispatch, events: app.core.events, resolveCaller: app.core.resolveCaller, rendererDir: config.rendererDir, token: config.token });
  const ready: ServerReady = { port: bridge.port, pid: process.pid, cwd: process.cwd() };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    // Each step says when it is done, so a close that never finishes shows where it stopped.
    const stuck = setTimeout(() => process.stderr.write(`[fuzz target] still closing; active: ${process.getActiveResourcesInfo().join(', ')}\n`), 10_000);
    stuck.unref();
    process.stderr.write('[fuzz target] closing the web bridge\n');
    await bridge.close();
    process.stderr.write('[fuzz target] closing the app core\n');
    await app.close();
    process.stderr.write('[fuzz target] closed\n');
    const closed: ServerClosed = { polluted: pollutionSince(before) };
    process.stdout.write(`CLOSED ${JSON.stringify(closed)}\n`, () => process.exit(0));
  };
  // Told to close over the IPC channel, not by a signal: loading a model brings in signal-exit,
  // which re-raises SIGTERM when no other listener is left, killing this orderly close halfway.
  process.once('message', () => void close());
  // A fuzzer that died (or was killed by a test timeout) leaves no orphan behind.
  process.once('disconnect', () => void close());
}

await main();
