/**
 * Blind A/B between two versions of one base (issue 12): random order, reveal after the choice,
 * a choice made once, tallies per pair of versions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureLoraFixtures } from './fixtures/tiny-lora.ts';
import { addUser, callAs, openTestApp, rejectsWithCode } from './helpers/app.ts';

const lora = await ensureLoraFixtures();

test('blind A/B: two answers in random order, identities revealed only after the choice, tallied per pair', async () => {
  const app = await openTestApp();
  try {
    const base = await app.call('models.add', { path: lora.base });
    const v1 = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.peft, confirmBaseName: true });
    const workspace = await app.call('workspaces.create', { name: 'ab', temperature: 0, maxTokens: 12, contextSize: 512, historyTurns: 0 });
    await app.call('runtime.load', { modelId: base.id });

    const streamed = new Set<string>();
    const stop = app.core.events.subscribe((event, payload) => event === 'chat.token' && streamed.add((payload as { requestId: string }).requestId));
    const orders = new Set<string>();
    const expected = { base: 0, v1: 0, ties: 0 };
    for (let round = 0; round < 12; round++) {
      const ab = await app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: null, second: v1.id, question: 'Which notice period applies?', requestId: `ab-${round}` });
      assert.notEqual(ab.a.answer, ab.b.answer, 'the two versions answer differently');
      assert.equal(JSON.stringify(ab).includes('"versionId"'), false, 'nothing before the choice says which is which');
      const choice = round % 3 === 0 ? 'tie' : 'a';
      const reveal = await app.call('ab.choose', { comparisonId: ab.comparisonId, choice });
      orders.add(String(reveal.a.versionId));
      if (choice === 'tie') expected.ties++;
      else if (reveal.a.versionId === null) expected.base++;
      else expected.v1++;
      await rejectsWithCode(app.call('ab.choose', { comparisonId: ab.comparisonId, choice: 'b' }), 'CONFLICT');
    }
    stop();
    assert.ok(streamed.has('ab-0:a') && streamed.has('ab-0:b'), 'both answers streamed under their own request ids');
    assert.equal(orders.size, 2, 'both versions were shown as A at least once in 12 rounds');
    const [tally] = await app.call('ab.tally', { workspaceId: workspace.id });
    // Names, not labels: the base alone is its model's name with no version name, labelled by each screen in its language.
    assert.deepEqual(
      { first: tally!.first, second: tally!.second, firstWins: tally!.firstWins, secondWins: tally!.secondWins, ties: tally!.ties },
      {
        first: { modelId: base.id, modelName: base.displayName, versionId: null, versionName: null },
        second: { modelId: base.id, modelName: base.displayName, versionId: v1.id, versionName: 'v1' },
        firstWins: expected.base,
        secondWins: expected.v1,
        ties: expected.ties,
      },
    );
    assert.equal(JSON.stringify(tally).includes('(base)'), false, 'no English label from the service');

    await rejectsWithCode(app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: v1.id, second: v1.id, question: 'q', requestId: 'same' }), 'VALIDATION');
    // Another evaluator cannot see or decide this evaluator's comparison.
    const other = callAs(app.core, await addUser(app, { username: 'b', memberOf: [workspace.id] }));
    const pending = await app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: null, second: v1.id, question: 'q', requestId: 'mine' });
    await rejectsWithCode(other('ab.choose', { comparisonId: pending.comparisonId, choice: 'a' }), 'NOT_FOUND');
  } finally {
    await app.close();
  }
});

test('blind A/B answers both versions at once, side by side, each exactly as that version answers alone', async () => {
  const app = await openTestApp();
  try {
    const base = await app.call('models.add', { path: lora.base });
    const v1 = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.gguf, confirmBaseName: true });
    const workspace = await app.call('workspaces.create', { name: 'ab-lanes', temperature: 0, maxTokens: 48, contextSize: 512, historyTurns: 0 });
    await app.call('runtime.load', { modelId: base.id });
    const question = 'Which notice period applies?';
    const alone = async (versionId: number | null) => {
      const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId });
      return (await app.call('chat.ask', { sessionId: session.id, question, requestId: `alone-${versionId}` })).answer;
    };
    const expected = { base: await alone(null), v1: await alone(v1.id) };
    assert.notEqual(expected.base, expected.v1);

    const order: string[] = [];
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'chat.token') order.push((payload as { requestId: string }).requestId.slice(-1));
    });
    for (let round = 0; round < 3; round++) {
      const ab = await app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: null, second: v1.id, question, requestId: `lanes-${round}` });
      const reveal = await app.call('ab.choose', { comparisonId: ab.comparisonId, choice: 'tie' });
      const answerOf = (side: 'a' | 'b') => ((side === 'a' ? reveal.a : reveal.b).versionId === null ? expected.base : expected.v1);
      assert.equal(ab.a.answer, answerOf('a'), `round ${round}: A is its version's own answer`);
      assert.equal(ab.b.answer, answerOf('b'), `round ${round}: B is its version's own answer`);
    }
    stop();
    // Streaming side by side: B's text arrives before A's is complete, not after it.
    const firstB = order.indexOf('b');
    const lastA = order.lastIndexOf('a');
    assert.ok(firstB >= 0 && firstB < lastA, 'the two answers streamed interleaved');

    // After the rounds, the chat on lane 0 frees the second context.
    await alone(null);
    assert.equal(app.core.internals!.runtime.internals().loaded!.lanes[1].context, null, 'no second context held after A/B');
    // While a pair is answering, the chat is refused like during any other answer.
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: null });
    let streaming!: () => void;
    const firstToken = new Promise<void>((resolve) => (streaming = resolve));
    const unsubscribe = app.core.events.subscribe((event, payload) => event === 'chat.token' && (payload as { requestId: string }).requestId.startsWith('busy:') && streaming());
    const pair = app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: null, second: v1.id, question, requestId: 'busy' });
    await firstToken;
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question, requestId: 'during' }), 'MODEL_BUSY');
    await pair;
    unsubscribe();
  } finally {
    await app.close();
  }
});
