import type { QuestionOrigin, RunStatus } from '../../../../shared/contract/reverify.ts';

/** The verdict colours used everywhere: 1 good, 2 insufficient, 3 wrong. */
export const verdictColors = { 1: 'teal', 2: 'yellow', 3: 'red' } as const;
export const verdictKeys = { 1: 'eval.good', 2: 'eval.insufficient', 3: 'eval.wrong' } as const;

export const originColors: Record<QuestionOrigin, string> = {
  trained: 'indigo',
  guard: 'grape',
  evaluation: 'blue',
  typed: 'gray',
  imported: 'cyan',
};

export const runStatusColors: Record<RunStatus, string> = {
  pending: 'gray',
  running: 'blue',
  paused: 'yellow',
  completed: 'teal',
  failed: 'red',
};

export function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}
