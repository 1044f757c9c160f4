import type { ReportLanguage, ScoreCard } from '../../../shared/contract/reverify.ts';
import type { Verdict } from '../../../shared/contract/entities.ts';

/**
 * Everything the PoC report shows, gathered by the report service from the database and handed
 * to the HTML renderer, which reads nothing else (so it can be tested on plain data).
 */
export interface ReportData {
  language: ReportLanguage;
  generatedAt: string;
  appVersion: string;
  workspace: { name: string; businessDomain: string; category: string; systemPrompt: string };
  /** Base models and their versions, parents before children. */
  lineage: Array<{
    versionId: number | null;
    name: string;
    parentVersionId: number | null;
    baseModelName: string;
    datasetName: string | null;
    trainedAt: string | null;
    trainer: string;
    hyperparameters: Record<string, string | number | boolean | null>;
  }>;
  scoreCard: ScoreCard;
  examples: { fixed: ReportExample[]; regressed: ReportExample[] };
}

export interface ReportExample {
  question: string;
  earlierAnswer: string;
  earlierVersion: string;
  /** The expert's correct answer, when one was written. */
  correction: string | null;
  newAnswer: string;
  newVersion: string;
  /** The verdict the new answer got. */
  verdict: Verdict;
}
