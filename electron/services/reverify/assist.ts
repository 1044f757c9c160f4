import type { Selectable } from 'kysely';
import type { LlamaContextSequence, LlamaJsonSchemaGrammar } from 'node-llama-cpp';
import { embeddingVerdictThresholds } from '../../../shared/contract/reverify.ts';
import type { Verdict } from '../../../shared/contract/entities.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { BatchRunsTable } from '../db/schema.ts';
import type { DocumentService } from '../documents/document-service.ts';
import type { IngestRunner } from '../documents/ingest-runner.ts';
import type { Job } from '../jobs/jobs.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { LlamaRuntime, SideModel } from '../runtime/llama-runtime.ts';
import { promptWithGrammar } from '../runtime/grammar-prompt.ts';

/**
 * What the judge must answer. The grammar made from it constrains every token, so the output
 * always parses; the reason is bounded so a rambling model still ends within `maxTokens`.
 */
const reasonMaxLength = 160;

export const judgeOutputSchema = {
  type: 'object',
  properties: {
    verdict: { enum: [1, 2, 3] },
    reason: { type: 'string', maxLength: reasonMaxLength },
  },
  required: ['verdict', 'reason'],
} as const;

/** Enough for the JSON object above with a 160-character reason in any script. */
const judgeMaxTokens = 400;
/** The judge's context: the question, the expected and the new answer, each cut to fit. */
const judgeContextSize = 4096;
const judgeTextBudgetTokens = 1000;

const judgeSystemPrompt = [
  'You grade an answer to a question against the expected answer written by a domain expert.',
  'verdict 1: correct and complete; 2: partly correct or incomplete; 3: wrong, or says something the expected answer contradicts.',
  'Without an expected answer, judge whether the answer is correct and helpful.',
  'reason: one short sentence, in the language of the question.',
].join('\n');

export interface Suggestion {
  verdict: Verdict;
  reason: string | null;
  score: number | null;
}

interface PendingItem {
  itemId: number;
  question: string;
  expectedAnswer: string | null;
  answer: string;
}

function verdictFromSimilarity(similarity: number): Verdict {
  if (similarity >= embeddingVerdictThresholds.good) return 1;
  return similarity >= embeddingVerdictThresholds.insufficient ? 2 : 3;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA && normB ? dot / Math.sqrt(normA * normB) : 0;
}

/**
 * Assisted judging (issue 13): after a run's answers are in, an assistant looks at each answer
 * and pre-fills a suggested verdict that the human confirms or overrides.
 * - 'judge': a registered GGUF model (the loaded one, or another loaded beside it for the
 *   length of the run) answers under a JSON-schema grammar, so its output always parses.
 * - 'embedding': the cosine similarity of the new answer to the expected one, with the
 *   workspace's embedder; an item without an expected answer gets no suggestion.
 * Each item is marked as looked at in the same statement that stores its suggestion, so a
 * resumed run continues with the items not looked at yet.
 */
export function createJudgingAssistant(db: Db, deps: { runtime: Pick<LlamaRuntime, 'withModel'>; models: Pick<ModelRegistry, 'loadRequest'>; documents: Pick<DocumentService, 'embedderFor'>; runner: Pick<IngestRunner, 'embedQuery'> }) {
  async function pendingItems(runId: number): Promise<PendingItem[]> {
    const rows = await db
      .selectFrom('batch_run_items as r')
      .innerJoin('question_set_items as q', 'q.id', 'r.item_id')
      .innerJoin('conversation_logs as l', 'l.id', 'r.log_id')
      .select(['r.item_id', 'q.question', 'q.expected_answer', 'l.answer'])
      .where('r.run_id', '=', runId)
      .where('r.log_id', 'is not', null)
      .where('r.suggested_at', 'is', null)
      .orderBy('r.position')
      .execute();
    return rows.map((row) => ({ itemId: row.item_id, question: row.question, expectedAnswer: row.expected_answer, answer: row.answer }));
  }

  async function store(runId: number, itemId: number, suggestion: Suggestion | null): Promise<void> {
    await db
      .updateTable('batch_run_items')
      .set({ suggested_verdict: suggestion?.verdict ?? null, suggested_reason: suggestion?.reason ?? null, suggestion_score: suggestion?.score ?? null, suggested_at: nowIso() })
      .where('run_id', '=', runId)
      .where('item_id', '=', itemId)
      .execute();
  }

  /** Cuts `text` to at most `budget` tokens of the judge's own tokenizer. */
  function fit(side: SideModel, text: string, budget: number): string {
    const tokens = side.model.tokenize(text);
    return tokens.length <= budget ? text : `${side.model.detokenize(tokens.slice(0, budget))} …`;
  }

  async function judgeOne(side: SideModel, sequence: LlamaContextSequence, grammar: LlamaJsonSchemaGrammar<typeof judgeOutputSchema>, item: PendingItem, seed: number, signal: AbortSignal): Promise<Suggestion | null> {
    const prompt = [
      `Question:\n${fit(side, item.question, judgeTextBudgetTokens)}`,
      item.expectedAnswer ? `Expected answer:\n${fit(side, item.expectedAnswer, judgeTextBudgetTokens)}` : 'Expected answer: (none)',
      `Answer to grade:\n${fit(side, item.answer, judgeTextBudgetTokens)}`,
    ].join('\n\n');
    try {
      // Each item is judged on its own (a fresh chat): no earlier item's verdict may sway the next.
      const text = await promptWithGrammar(sequence, prompt, { systemPrompt: judgeSystemPrompt, grammar, maxTokens: judgeMaxTokens, temperature: 0, seed, signal });
      if (signal.aborted) return null;
      // JSON.parse, not grammar.parse: the grammar counts the reason's length in its own units
      // and grammar.parse rejects an escaped character past 160; the reason is only cut here.
      const parsed = JSON.parse(text) as { verdict?: unknown; reason?: unknown };
      if (parsed.verdict !== 1 && parsed.verdict !== 2 && parsed.verdict !== 3) return null;
      const reason = typeof parsed.reason === 'string' ? [...parsed.reason.trim()].slice(0, reasonMaxLength).join('') : '';
      return { verdict: parsed.verdict, reason: reason || null, score: null };
    } catch (error) {
      if (signal.aborted) return null;
      // Cut off at maxTokens (the grammar keeps it valid JSON only until then): no suggestion.
      if (error instanceof SyntaxError) return null;
      throw error;
    }
  }

  async function byJudge(run: Selectable<BatchRunsTable>, items: PendingItem[], job: Job, onDone: () => void): Promise<void> {
    if (run.judge_model_id === null) return;
    const request = await deps.models.loadRequest(run.judge_model_id);
    await deps.runtime.withModel({ ...request, signal: job.signal }, judgeContextSize, async (side, signal) => {
      const grammar = await side.llama.createGrammarForJsonSchema(judgeOutputSchema);
      for (const item of items) {
        if (signal.aborted) break;
        const suggestion = await judgeOne(side, side.sequence, grammar, item, run.seed, signal);
        if (signal.aborted) break;
        await store(run.id, item.itemId, suggestion);
        onDone();
      }
    });
  }

  async function byEmbedding(run: Selectable<BatchRunsTable>, items: PendingItem[], job: Job, onDone: () => void): Promise<void> {
    const locator = await deps.documents.embedderFor(run.workspace_id);
    for (const item of items) {
      job.throwIfCancelled();
      let suggestion: Suggestion | null = null;
      if (item.expectedAnswer) {
        // An empty answer shares nothing with the expected one (and has no embedding to compare).
        let similarity = 0;
        if (item.answer.trim()) {
          const [answer, expected] = [await deps.runner.embedQuery(locator, item.answer, job.signal), await deps.runner.embedQuery(locator, item.expectedAnswer, job.signal)];
          similarity = cosine(answer.vector, expected.vector);
        }
        suggestion = { verdict: verdictFromSimilarity(similarity), reason: null, score: Math.round(similarity * 10_000) / 10_000 };
      }
      await store(run.id, item.itemId, suggestion);
      onDone();
    }
  }

  return {
    /** Suggests a verdict for every answered item of `run` not looked at yet; cancelled with `job`. */
    async suggestPending(run: Selectable<BatchRunsTable>, job: Job): Promise<void> {
      if (run.assist === 'none') return;
      const items = await pendingItems(run.id);
      if (items.length === 0) return;
      let done = 0;
      const onDone = () => {
        done++;
        job.progress(done / items.length, `${done}/${items.length}`);
      };
      await (run.assist === 'judge' ? byJudge(run, items, job, onDone) : byEmbedding(run, items, job, onDone));
      job.throwIfCancelled();
    },
  };
}

export type JudgingAssistant = ReturnType<typeof createJudgingAssistant>;
