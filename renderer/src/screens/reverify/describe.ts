import { ApiError } from '../../../../shared/contract/errors.ts';
import type { ImportProblem } from '../../../../shared/contract/reverify.ts';
import { describeError } from '../../api.ts';
import { i18n } from '../../i18n/index.ts';

/**
 * describeError, plus the reasons only this screen meets (an empty set, a file with problems, a
 * name taken), in the user's language; English keeps the main process's own sentence.
 */
export function describeReverifyError(error: unknown): string {
  if (error instanceof ApiError && i18n.language !== 'en') {
    const reason = error.params?.['reason'];
    if (typeof reason === 'string') {
      const text = i18n.t(`reverify.errors.${reason}`, { defaultValue: '', ...error.params });
      if (text) return text;
    }
    if (error.code === 'CONFLICT' && error.params?.['field'] === 'name') return i18n.t('reverify.errors.nameTaken');
  }
  return describeError(error);
}

/** A problem's detail in words: a known code translated, column counts as numbers, else as sent. */
export function describeProblemDetail(problem: ImportProblem): string | null {
  if (!problem.detail) return null;
  const known = i18n.t(`reverify.import.problemDetails.${problem.detail}`, { defaultValue: '' });
  if (known) return known;
  const columns = /^expected (\d+) columns, found (\d+)$/.exec(problem.detail);
  if (columns) return i18n.t('reverify.import.problemDetails.columns', { expected: Number(columns[1]), found: Number(columns[2]) });
  return i18n.language === 'en' ? problem.detail : null;
}
