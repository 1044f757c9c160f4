import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { diffText } from '../../../../shared/text-diff.ts';

/**
 * The new answer marked against the expected one: what the expected answer has and the new one
 * lacks is struck through, what the new one adds is underlined (words; characters for CJK).
 */
export function DiffText({ expected, answer }: { expected: string; answer: string }) {
  const { t } = useTranslation();
  const segments = useMemo(() => diffText(expected, answer), [expected, answer]);
  return (
    <div className="answer diff" data-testid="answer-diff" aria-label={t('reverify.rejudge.diffLabel')}>
      {segments.map((segment, index) =>
        segment.kind === 'added' ? (
          <ins key={index} className="diff-added" title={t('reverify.rejudge.added')}>
            {segment.text}
          </ins>
        ) : segment.kind === 'removed' ? (
          <del key={index} className="diff-removed" title={t('reverify.rejudge.removed')}>
            {segment.text}
          </del>
        ) : (
          <span key={index}>{segment.text}</span>
        ),
      )}
    </div>
  );
}
