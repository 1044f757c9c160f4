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
      orders.add(reveal.a.name);
      if (choice === 'tie') expected.ties++;
      else if (reveal.a.versionId === null) expected.base++;
      else expected.v1++;
      await rejectsWithCode(app.call('ab.choose', { comparisonId: ab.comparisonId, choice: 'b' }), 'CONFLICT');
    }
    stop();
    assert.ok(streamed.has('ab-0:a') && streamed.has('ab-0:b'), 'both answers streamed under their own request ids');
    assert.equal(orders.size, 2, 'both versions were shown as A at least once in 12 rounds');
    const [tally] = await app.call('ab.tally', { workspaceId: workspace.id });
    assert.deepEqual(
      { first: tally!.first.name, second: tally!.second.name, firstWins: tally!.firstWins, secondWins: tally!.secondWins, ties: tally!.ties },
      { first: `${base.displayName} (base)`, second: 'v1', firstWins: expected.base, secondWins: expected.v1, ties: expected.ties },
    );

    await rejectsWithCode(app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: v1.id, second: v1.id, question: 'q', requestId: 'same' }), 'VALIDATION');
    // Another evaluator cannot see or decide this evaluator's comparison.
    const other = callAs(app.core, await addUser(app, { username: 'b', memberOf: [workspace.id] }));
    const pending = await app.call('ab.ask', { workspaceId: workspace.id, modelId: base.id, first: null, second: v1.id, question: 'q', requestId: 'mine' });
    await rejectsWithCode(other('ab.choose', { comparisonId: pending.comparisonId, choice: 'a' }), 'NOT_FOUND');
  } finally {
    await app.close();
  }
});
