/**
 * Graph-RAG metadata in the UI (issue 15): a document's summary, entities and relations on the
 * Documents screen, and the workspace's entity list. The model's answers are fixed at the service
 * boundary (tests/graph.test.ts runs the extraction through the real runtime). Screens in English,
 * Korean and Japanese go to test-results/screens.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { JsonGenerator } from '../electron/services/runtime/json-generator.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp, type TestApp } from './helpers/app.ts';
import { startUi } from './helpers/browser.ts';

const fixtures = await ensureFixtures();
const reader: JsonGenerator = async (prompt) => {
  const entities = ['N2SQL', 'A프로젝트'].filter((name) => prompt.includes(name));
  return JSON.stringify({
    summary: 'A프로젝트는 N2SQL로 사내 데이터를 조회해 주간 보고서를 만든다.',
    entities: entities.map((name) => ({ name, type: name === 'N2SQL' ? 'technology' : 'project', description: name === 'N2SQL' ? '텍스트-투-SQL 기술' : '2026년 2차 과제' })),
    relations: entities.length === 2 ? [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }] : [],
  });
};

/** What cytoscape drew, as the graph container reports it from the cytoscape instance. */
async function drawn(graph: Locator) {
  const read = async (name: string) => JSON.parse((await graph.getAttribute(`data-${name}`)) ?? 'null') as unknown;
  const [nodes, edges, highlighted] = [await read('nodes'), await read('edges'), await read('highlighted')];
  assert.equal(await graph.getAttribute('data-node-count'), String((nodes as unknown[]).length));
  assert.equal(await graph.getAttribute('data-edge-count'), String((edges as unknown[]).length));
  return { nodes, edges, highlighted };
}

/** Clicks the node's place on the canvas (cytoscape's rendered position, in the container's pixels). */
async function clickNode(graph: Locator, label: string) {
  const positions = JSON.parse((await graph.getAttribute('data-positions')) ?? '[]') as Array<{ label: string; x: number; y: number }>;
  const node = positions.find((position) => position.label === label);
  assert.ok(node, `${label} is drawn`);
  const box = await graph.boundingBox();
  assert.ok(box);
  await graph.page().mouse.click(box.x + node.x, box.y + node.y);
}

let app: TestApp;
let ui: Awaited<ReturnType<typeof startUi>>;

before(async () => {
  app = await openTestApp({ graphGenerator: reader });
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  await app.call('runtime.load', { modelId: model.id });
  const workspace = await app.call('workspaces.create', { name: '과제 관리 PoC', graphExtraction: true, entityRetrieval: true, chunkSize: 48, chunkOverlap: 8 });
  await app.call('documents.addText', { workspaceId: workspace.id, docId: 'project_document:7', title: 'A프로젝트 계획', text: 'A프로젝트는 N2SQL을 사용해 보고서를 만듭니다. 일정은 3월까지입니다.' });
  await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'N2SQL 소개', text: 'N2SQL은 텍스트를 SQL로 바꾸는 기술입니다.' });
  await app.core.internals!.graph.idle();
  ui = await startUi(app);
});

after(async () => {
  await ui?.close();
  await app?.close();
});

test("a document's summary, entities and relations on the Documents screen, and the workspace's entities", { timeout: 90_000 }, async () => {
  const { page } = ui;
  await page.goto(ui.bridge.url);
  await page.getByTestId('nav-documents').click();

  // The workspace's entities open as a graph that cytoscape drew: its nodes and edges, read back from cytoscape.
  const graph = page.locator('[data-testid="workspace-entities"] [data-testid="entity-graph"][data-node-count]');
  await graph.waitFor();
  assert.deepEqual(await drawn(graph), { nodes: ['N2SQL', 'A프로젝트'], edges: ['A프로젝트 → uses → N2SQL'], highlighted: [] });
  assert.equal(await page.getByTestId('entity-graph-legend').innerText().then((text) => text.replace(/\s+/g, ' ')), 'technology project Larger circles: mentioned in more documents');
  assert.equal(await page.getByTestId('entity-graph-description').count(), 0);

  // Clicking a node on the canvas picks it: it and its neighbour are highlighted, its details shown.
  await graph.scrollIntoViewIfNeeded();
  await clickNode(graph, 'A프로젝트');
  await page.getByTestId('entity-graph-description').waitFor();
  assert.equal(await page.getByTestId('entity-graph-description').innerText(), '2026년 2차 과제');
  assert.match(await page.getByTestId('entity-graph-detail').innerText(), /A프로젝트[\s\S]*project[\s\S]*in 1 document[\s\S]*A프로젝트 → uses → N2SQL/i);
  assert.deepEqual((await drawn(graph)).highlighted, ['N2SQL', 'A프로젝트']);
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`graph-entities-graph-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
  await page.emulateMedia({ colorScheme: 'dark' });
  await ui.shot('graph-entities-graph-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await clickNode(graph, 'N2SQL');
  assert.equal(await page.getByTestId('entity-graph-description').innerText(), '텍스트-투-SQL 기술');

  // The same entities as a list.
  await page.getByTestId('entity-view-list').click();
  await page.getByTestId('entity-row').first().waitFor();
  assert.equal(await graph.count(), 0);
  assert.deepEqual(await page.getByTestId('entity-row').locator('td:first-child').allInnerTexts(), ['N2SQL', 'A프로젝트']);

  await page.getByTestId('document-row').filter({ hasText: 'A프로젝트 계획' }).getByTestId('document-graph-open').click();
  await page.getByTestId('graph-summary').waitFor();
  assert.equal(await page.getByTestId('graph-summary').innerText(), 'A프로젝트는 N2SQL로 사내 데이터를 조회해 주간 보고서를 만든다.');
  assert.equal(await page.getByTestId('graph-relations').innerText(), 'A프로젝트 → uses → N2SQL');
  const documentGraph = page.getByRole('dialog').locator('[data-testid="entity-graph"][data-node-count]');
  await documentGraph.waitFor();
  assert.deepEqual(await drawn(documentGraph), { nodes: ['N2SQL', 'A프로젝트'], edges: ['A프로젝트 → uses → N2SQL'], highlighted: [] });
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`graph-document-${language}`);
  }
  await page.keyboard.press('Escape');
  for (const language of ['en', 'ko', 'ja'] as const) {
    await page.getByTestId('language').selectOption(language);
    await ui.shot(`graph-entities-${language}`);
  }
  await page.getByTestId('language').selectOption('en');
});
