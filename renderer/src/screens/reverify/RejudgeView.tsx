import { Badge, Group, NativeSelect, Text } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BatchRun, RejudgeItem } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import type { EvaluationPanelHandle, Judgement } from '../../components/EvaluationPanel.tsx';
import { ErrorText } from '../../components/Field.tsx';
import { versionLabel } from '../../components/version-label.ts';
import { isComposing, isTypingTarget } from '../../keyboard.ts';
import { RejudgeItemCard } from './RejudgeItemCard.tsx';

interface Props {
  runs: BatchRun[];
  runId: number | null;
  onPickRun: (runId: number | null) => void;
  onJudged: () => void;
}

/** The next question after `from` without a verdict, wrapping around; `from` when all are judged. */
function nextUnjudged(items: RejudgeItem[], from: number): number {
  for (let step = 1; step <= items.length; step++) {
    const at = (from + step) % items.length;
    if (!items[at]?.judged && items[at]?.current) return at;
  }
  return from;
}

/**
 * Re-judging a run, keyboard first: 1/2/3 judge the new answer (1 saves at once, 2 and 3 open the
 * correction), j/k or the arrow keys move, and "n of m judged" stays in view. Never while typing
 * or while an input method is composing.
 */
export function RejudgeView({ runs, runId, onPickRun, onJudged }: Props) {
  const { t } = useTranslation();
  const [items, setItems] = useState<RejudgeItem[]>([]);
  const [index, setIndex] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const latest = useRef(items);
  latest.current = items;
  const panel = useRef<EvaluationPanelHandle>(null);
  const list = useRef<HTMLOListElement>(null);
  const pickable = runs.filter((run) => run.answered > 0);
  const firstRunId = pickable[0]?.id;

  useEffect(() => {
    if (runId === null && firstRunId !== undefined) onPickRun(firstRunId);
  }, [runId, firstRunId, onPickRun]);

  const load = useCallback(async () => {
    if (runId === null) return setItems([]);
    setLoading(true);
    try {
      const next = await api.call('rejudge.items', { runId });
      setItems(next);
      setError(null);
      // Start where the work is: the first answer without a verdict.
      const first = next.findIndex((item) => !item.judged && item.current);
      setIndex(first === -1 ? 0 : first);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setLoading(false);
    }
  }, [runId]);
  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    list.current?.querySelector(`[data-index="${index}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [index]);

  const item = items[index];
  const judged = items.filter((entry) => entry.judged).length;

  const save = async (judgement: Judgement) => {
    if (!item || runId === null) return;
    const saved = await api.call('rejudge.save', { runId, itemId: item.itemId, ...judgement });
    setItems((current) => current.map((entry) => (entry.itemId === saved.itemId ? saved : entry)));
    onJudged();
  };

  const afterSave = () => {
    setIndex((current) => nextUnjudged(latest.current, current));
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.defaultPrevented || isComposing(event) || isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const move = event.key === 'j' || event.key === 'ArrowDown' ? 1 : event.key === 'k' || event.key === 'ArrowUp' ? -1 : 0;
    if (move !== 0) {
      event.preventDefault();
      setIndex((current) => Math.max(0, Math.min(items.length - 1, current + move)));
      return;
    }
    if (!item?.current) return;
    if (event.key === '1' || event.key === '2' || event.key === '3') {
      event.preventDefault();
      panel.current?.choose(Number(event.key) as 1 | 2 | 3);
    } else if (event.key === 'a' && item.suggestion) {
      event.preventDefault();
      panel.current?.choose(item.suggestion.verdict);
    }
  };

  if (pickable.length === 0) {
    return (
      <p className="muted empty-state" data-testid="rejudge-empty">
        {t('reverify.rejudge.noRuns')}
      </p>
    );
  }

  return (
    <div className="rejudge" tabIndex={-1} onKeyDown={onKeyDown} data-testid="rejudge-view">
      <Group className="rejudge-bar" gap="sm" wrap="nowrap">
        <NativeSelect
          aria-label={t('reverify.rejudge.run')}
          value={runId === null ? '' : String(runId)}
          onChange={(event) => onPickRun(Number(event.currentTarget.value))}
          data={pickable.map((run) => ({ value: String(run.id), label: `#${run.id} · ${run.setName} · ${versionLabel(t, run)}` }))}
          data-testid="rejudge-run"
          w={320}
        />
        {items.length > 0 && (
          <Text size="sm" c="dimmed" data-testid="rejudge-position">
            {t('reverify.rejudge.position', { n: index + 1, total: items.length })}
          </Text>
        )}
        <Text size="xs" c="dimmed" className="rejudge-keys">
          {t('reverify.rejudge.keys')}
        </Text>
        <Badge size="lg" variant="light" color={judged === items.length && items.length > 0 ? 'teal' : 'yellow'} className="rejudge-count" tt="none" data-testid="rejudge-progress">
          {t('reverify.rejudge.progress', { done: judged, total: items.length })}
        </Badge>
      </Group>
      <ErrorText error={error} testId="rejudge-error" />
      {loading && items.length === 0 && <p className="muted">{t('common.loading')}</p>}
      {items.length > 0 && (
        <div className="rejudge-body">
          <ol className="rejudge-list" ref={list} aria-label={t('reverify.rejudge.list')}>
            {items.map((entry, at) => (
              <li key={entry.itemId}>
                <button type="button" data-index={at} className={at === index ? 'rejudge-row active' : 'rejudge-row'} onClick={() => setIndex(at)} data-testid="rejudge-row" aria-current={at === index}>
                  <span className={`verdict-dot v${entry.judged?.evaluation ?? 0}`}>{entry.judged?.evaluation ?? '·'}</span>
                  <span className="rejudge-row-text">{entry.question}</span>
                  {entry.regression && <span className="flag regression" title={t('reverify.rejudge.regression')}>!</span>}
                  {entry.verified && <span className="flag verified" title={t('reverify.rejudge.verified')}>✓</span>}
                </button>
              </li>
            ))}
          </ol>
          {item && <RejudgeItemCard key={item.itemId} item={item} runId={runId!} panelRef={panel} submit={save} onSaved={afterSave} />}
        </div>
      )}
    </div>
  );
}
