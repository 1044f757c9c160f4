import { z } from 'zod';
import { entityId, longText, oneToThree, timestamp } from './fields.ts';

/** 1 good, 2 insufficient, 3 wrong. */
export const verdictSchema = oneToThree;
export type Verdict = z.output<typeof verdictSchema>;
export type Priority = z.output<typeof oneToThree>;
/** 1 untreated, 2 trained, 3 verified. */
export type TrainingStatus = z.output<typeof oneToThree>;

export const evaluationSchema = z.object({
  id: entityId,
  logId: entityId,
  evaluatorId: entityId,
  evaluation: verdictSchema,
  reason: longText(10_000).nullable(),
  correctAnswer: longText(200_000).nullable(),
  priority: oneToThree.nullable(),
  status: oneToThree,
  memo: longText(10_000).nullable(),
  trainedDatasetId: entityId.nullable(),
  /** The model version this evaluation's correction was trained into (issue 12). */
  trainedVersionId: entityId.nullable(),
  /** The version whose answer to this question was judged good again (status 3, issue 13). */
  verifiedVersionId: entityId.nullable(),
  /** That answer: re-judging it away from 1 takes the verified state back. */
  verifiedLogId: entityId.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Evaluation = z.output<typeof evaluationSchema>;

/** What an evaluator writes; the rest (status, dataset, times) is the app's to set. */
export const evaluationInput = evaluationSchema
  .pick({ logId: true, evaluation: true, reason: true, correctAnswer: true, priority: true, memo: true })
  .partial({ reason: true, correctAnswer: true, priority: true, memo: true })
  .strict();
