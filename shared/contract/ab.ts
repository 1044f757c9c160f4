import { z } from 'zod';
import { method } from './define.ts';
import type { ConversationLog } from './entities/conversation-log.ts';
import type { VersionRef } from './entities/version.ts';
import { entityId, longText } from './entities/fields.ts';

export const abChoices = ['a', 'b', 'tie', 'both_bad'] as const;
export type AbChoice = (typeof abChoices)[number];

/** What the evaluator sees before choosing: two answers, no identities. */
export interface AbRound {
  comparisonId: number;
  question: string;
  a: ConversationLog;
  b: ConversationLog;
}

/** After the choice: which version was A and which was B (versionId null: the base alone). */
export interface AbReveal {
  comparisonId: number;
  choice: AbChoice;
  a: VersionRef;
  b: VersionRef;
}

/** Wins, ties and losses of one version against another, from the workspace's decided comparisons. */
export interface AbTally {
  first: VersionRef;
  second: VersionRef;
  firstWins: number;
  secondWins: number;
  ties: number;
  bothBad: number;
}

const versionRef = entityId.nullable();

export const abMethods = {
  /**
   * Asks one question to two versions of the loaded base (null: the base alone) and returns the
   * answers as A and B in random order. Tokens stream as `chat.token` events with request ids
   * `<requestId>:a` and `<requestId>:b`.
   */
  'ab.ask': method<AbRound>()({
    input: z.object({ workspaceId: entityId, modelId: entityId, first: versionRef, second: versionRef, question: longText(200_000), requestId: z.string().min(1).max(90) }).strict(),
    permission: 'evaluate',
  }),
  /** Records the choice (once) and reveals which version was A and which was B. */
  'ab.choose': method<AbReveal>()({ input: z.object({ comparisonId: entityId, choice: z.enum(abChoices) }).strict(), permission: 'evaluate' }),
  'ab.tally': method<AbTally[]>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),
};
