import type { ImportProblem } from '../../../../shared/contract/reverify.ts';
import { i18n } from '../../i18n/index.ts';

/** A problem's detail in words (column counts as numbers). */
export function describeProblemDetail(problem: ImportProblem): string | null {
  if (!problem.detail) return null;
  return i18n.t(`reverify.import.problemDetails.${problem.detail}`, { expected: problem.expected, found: problem.found });
}
