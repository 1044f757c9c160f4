import type { RetrievedPassage } from './retriever.ts';

export interface Turn {
  question: string;
  answer: string;
}

export interface PromptPlan {
  /** The system message: the session's prompt plus the labelled passages that fit. */
  systemPrompt: string;
  history: Turn[];
  included: Array<{ rank: number; passage: RetrievedPassage; promptText: string }>;
}

export interface PromptBudgetInput {
  systemPrompt: string;
  question: string;
  history: Turn[];
  passages: RetrievedPassage[];
  contextSize: number;
  maxTokens: number;
  countTokens: (text: string) => number;
}

/** Tokens for the chat template's own markers around each message. */
const perMessageOverhead = 8;

export function labelPassage(passage: RetrievedPassage, rank: number): string {
  const where = [passage.page !== null ? `p. ${passage.page}` : null, passage.section ? `§ ${passage.section}` : null].filter(Boolean).join(', ');
  return `[${rank}] ${passage.title}${where ? ` (${where})` : ''}\n${passage.text}`;
}

const contextIntro = 'Answer using the numbered passages below from this workspace\'s documents when they are relevant, and cite them like [1].';

/**
 * Fits the prompt into the context window. The question is never cut (the caller refuses one too
 * long on its own); the answer keeps room for up to half the window; what remains goes to the
 * history (newest turns first) and then to the passages (best first, whole passages only). So when
 * space runs out, retrieved text goes first, then the oldest history.
 */
/** Room kept for the answer: up to half the window. */
export function answerReserve(contextSize: number, maxTokens: number): number {
  return Math.min(maxTokens, Math.floor(contextSize / 2));
}

export function planPrompt(input: PromptBudgetInput): PromptPlan {
  let available = input.contextSize - answerReserve(input.contextSize, input.maxTokens) - input.countTokens(input.systemPrompt) - input.countTokens(input.question) - 3 * perMessageOverhead;

  const history: Turn[] = [];
  for (const turn of [...input.history].reverse()) {
    const cost = input.countTokens(turn.question) + input.countTokens(turn.answer) + 2 * perMessageOverhead;
    if (cost > available) break;
    history.unshift(turn);
    available -= cost;
  }

  const included: PromptPlan['included'] = [];
  if (input.passages.length > 0) available -= input.countTokens(contextIntro) + 4;
  for (const passage of input.passages) {
    const promptText = labelPassage(passage, included.length + 1);
    const cost = input.countTokens(promptText) + 2;
    if (cost > available) continue;
    included.push({ rank: included.length + 1, passage, promptText });
    available -= cost;
  }
  const systemPrompt = included.length
    ? [input.systemPrompt.trim(), contextIntro, ...included.map((item) => item.promptText)].filter(Boolean).join('\n\n')
    : input.systemPrompt;
  return { systemPrompt, history, included };
}
