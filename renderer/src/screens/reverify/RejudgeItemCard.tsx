import { Badge, Button, Group, Kbd, SegmentedControl, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconSparkles } from '@tabler/icons-react';
import { useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { RejudgeItem } from '../../../../shared/contract/reverify.ts';
import { EvaluationPanel, type EvaluationPanelHandle, type Judgement } from '../../components/EvaluationPanel.tsx';
import { versionLabel } from '../../components/version-label.ts';
import { OriginBadge, Tags, VerdictBadge } from './badges.tsx';
import { DiffText } from './DiffText.tsx';

interface Props {
  item: RejudgeItem;
  runId: number;
  panelRef: RefObject<EvaluationPanelHandle | null>;
  submit: (judgement: Judgement) => Promise<void>;
  onSaved: () => void;
}

function Column({ title, extra, children, testId }: { title: string; extra?: ReactNode; children: ReactNode; testId: string }) {
  return (
    <section className="rejudge-column" data-testid={testId}>
      <header>
        <h4>{title}</h4>
        {extra}
      </header>
      {children}
    </section>
  );
}

/** One question side by side: the earlier answer and verdict, the expected answer, the new answer. */
export function RejudgeItemCard({ item, runId, panelRef, submit, onSaved }: Props) {
  const { t } = useTranslation();
  const [showDiff, setShowDiff] = useState(true);
  const canDiff = item.expectedAnswer !== null && item.current !== null;

  return (
    <article className="rejudge-card" data-testid="rejudge-item" data-item-id={item.itemId}>
      <Group gap="xs" mb={6} wrap="wrap">
        <OriginBadge origin={item.origin} />
        <Tags tags={item.tags} />
        {item.verified && (
          <Badge color="teal" leftSection={<IconCircleCheck size={12} />} data-testid="rejudge-verified">
            {t('reverify.rejudge.verified')}
          </Badge>
        )}
        {item.regression && (
          <Badge color="red" leftSection={<IconAlertTriangle size={12} />} data-testid="rejudge-regression">
            {t('reverify.rejudge.regression')}
          </Badge>
        )}
      </Group>
      <div className="question" data-testid="rejudge-question">
        {item.question}
      </div>
      <div className="rejudge-columns">
        <Column title={t('reverify.rejudge.earlier')} extra={item.earlier && <VerdictBadge verdict={item.earlier.verdict} testId="rejudge-earlier-verdict" />} testId="rejudge-earlier">
          {item.earlier ? (
            <>
              <Text size="xs" c="dimmed" mb={4}>
                {versionLabel(t, item.earlier)}
                {item.earlier.status !== null && ` · ${t(`eval.statuses.${item.earlier.status}`)}`}
              </Text>
              <div className="answer">{item.earlier.answer}</div>
            </>
          ) : (
            <p className="muted">{t('reverify.rejudge.noEarlier')}</p>
          )}
        </Column>
        <Column title={t('reverify.rejudge.expected')} testId="rejudge-expected">
          {item.expectedAnswer !== null ? <div className="answer expected">{item.expectedAnswer}</div> : <p className="muted">{t('reverify.rejudge.noExpected')}</p>}
        </Column>
        <Column
          title={t('reverify.rejudge.current')}
          extra={
            canDiff && (
              <SegmentedControl
                size="xs"
                value={showDiff ? 'diff' : 'plain'}
                onChange={(value) => setShowDiff(value === 'diff')}
                data={[
                  { value: 'diff', label: t('reverify.rejudge.diff') },
                  { value: 'plain', label: t('reverify.rejudge.plain') },
                ]}
              />
            )
          }
          testId="rejudge-current"
        >
          {item.current === null ? (
            <p className="muted">{t('reverify.rejudge.notAnswered')}</p>
          ) : (
            <>
              {canDiff && showDiff ? <DiffText expected={item.expectedAnswer!} answer={item.current.answer} /> : <div className="answer">{item.current.answer}</div>}
              {item.current.stopReason !== 'finished' && <span className={`badge ${item.current.stopReason}`}>{t(`chat.stopReasons.${item.current.stopReason}`)}</span>}
              {canDiff && showDiff && <p className="hint diff-legend">{t('reverify.rejudge.diffLegend')}</p>}
            </>
          )}
        </Column>
      </div>
      {item.suggestion && item.current && (
        <div className="suggestion" data-testid="rejudge-suggestion">
          <IconSparkles size={16} />
          <span>
            {t(`reverify.rejudge.suggestedBy.${item.suggestion.source}`)} <VerdictBadge verdict={item.suggestion.verdict} />
          </span>
          <span className="suggestion-reason">
            {item.suggestion.source === 'embedding' ? t('reverify.rejudge.similarity', { score: (item.suggestion.score ?? 0).toFixed(2) }) : item.suggestion.reason}
          </span>
          <Button size="compact-xs" variant="light" rightSection={<Kbd size="xs">a</Kbd>} onClick={() => panelRef.current?.choose(item.suggestion!.verdict)} data-testid="rejudge-accept">
            {t('reverify.rejudge.accept')}
          </Button>
        </div>
      )}
      {item.current && (
        <EvaluationPanel
          ref={panelRef}
          log={{ id: item.current.logId, answer: item.current.answer }}
          existing={item.judged}
          draftKey={`rejudge:${runId}:${item.itemId}`}
          submit={submit}
          onSaved={onSaved}
          saveGoodAtOnce
          autoFocus
        />
      )}
      <p className="hint">{t('reverify.rejudge.rules')}</p>
    </article>
  );
}
