import type { ReportLanguage, ScoreCard } from '../../../shared/contract/reverify.ts';
import type { Verdict, VersionRef } from '../../../shared/contract/entities.ts';

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
    /** The version's name; for the base (versionId null) the model's name, labelled by the report's strings. */
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
  earlierVersion: VersionRef;
  /** The expert's correct answer, when one was written. */
  correction: string | null;
  newAnswer: string;
  newVersion: VersionRef;
  /** The verdict the new answer got. */
  verdict: Verdict;
}
