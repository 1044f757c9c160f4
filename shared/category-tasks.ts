import type { SummaryUnit } from './contract/entities/conversation-log.ts';

/**
 * The category tasks of issue 14 (seed 000's `summary` and `doc_gen` workspaces) as the text the
 * model receives. The instruction is written in the asker's language so the answer comes back in
 * it; the source or the filled template follows it verbatim. This text is what the log stores as
 * the question: an exported training example is exactly what the model was asked.
 */

export type TaskLanguage = 'en' | 'ko' | 'ja';

/** A text's length in a summary unit. Characters leave out white space, which CJK text barely has. */
export function measureLength(text: string, unit: SummaryUnit): number {
  const trimmed = text.trim();
  if (trimmed === '') return 0;
  switch (unit) {
    case 'characters':
      return [...trimmed.replace(/\s+/gu, '')].length;
    case 'words':
      return trimmed.split(/\s+/u).length;
    case 'sentences':
      return trimmed.split(/(?<=[.!?。！？])\s*/u).filter((part) => part.trim() !== '').length;
  }
}

const summaryInstructions: Record<TaskLanguage, (length: number, unit: SummaryUnit) => string> = {
  en: (length, unit) => `Summarize the following text in about ${length} ${unit}.`,
  ko: (length, unit) => `다음 글을 약 ${length}${{ characters: '자', words: '단어', sentences: '문장' }[unit]}로 요약해 주세요.`,
  ja: (length, unit) => `次の文章を約${length}${{ characters: '文字', words: '語', sentences: '文' }[unit]}で要約してください。`,
};

const documentInstructions: Record<TaskLanguage, string> = {
  en: 'Write the complete document below. Keep its structure and fill in every section.',
  ko: '아래 문서를 완성해 주세요. 구조를 유지하고 모든 항목을 채워 주세요.',
  ja: '以下の文書を完成させてください。構成を保ち、すべての項目を埋めてください。',
};

/** The question of a summary answer: the instruction, the asker's notes, then the source. */
export function summaryQuestion(input: { text: string; title: string; targetLength: number; unit: SummaryUnit; notes: string; language: TaskLanguage }): string {
  const head = [summaryInstructions[input.language](input.targetLength, input.unit), input.notes.trim()].filter((part) => part !== '').join('\n');
  return `${head}\n\n---\n${input.title.trim() === '' ? '' : `${input.title.trim()}\n\n`}${input.text}`;
}

/** The question of a doc_gen answer: the instruction, the asker's notes, then the filled template. */
export function documentQuestion(input: { filled: string; notes: string; language: TaskLanguage }): string {
  const head = [documentInstructions[input.language], input.notes.trim()].filter((part) => part !== '').join('\n');
  return `${head}\n\n---\n${input.filled}`;
}

/** A thread's name from its first question: the first line, cut at a character boundary. */
export function threadNameFrom(question: string, max = 60): string {
  const firstLine = question.trim().split('\n', 1)[0]!.trim();
  const characters = [...firstLine];
  return characters.length <= max ? firstLine : `${characters.slice(0, max - 1).join('')}…`;
}
