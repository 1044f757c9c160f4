import { Group, NativeSelect, Text, TextInput } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput } from '../../../shared/contract/api.ts';
import type { LogDetail, LogListRow } from '../../../shared/contract/entities.ts';
import { api, describeError } from '../api.ts';
import { AnswerStats } from '../components/AnswerCard.tsx';
import { EvaluationPanel, type EvaluationPanelHandle } from '../components/EvaluationPanel.tsx';
import { EntitySelect } from '../components/EntitySelect.tsx';
import { ErrorText } from '../components/Field.tsx';
import { ToolCalls } from '../components/ToolCalls.tsx';
import { LogFilterFields, usePromptVersions } from '../components/LogFilterFields.tsx';
import { SqlAnswer, sqlAnswerOf } from '../components/SqlAnswer.tsx';
import { Sources } from '../components/Sources.tsx';
import { formatDate } from '../format.ts';
import { isComposing, isTypingTarget } from '../keyboard.ts';
import { useApp } from '../store.ts';
import { HiddenVerdictsNote } from './reviews/HiddenVerdictsNote.tsx';

type Filters = NonNullable<MethodInput<'logs.query'>['filters']>;
type Sort = NonNullable<MethodInput<'logs.query'>['sort']>;

const pageSize = 100;
const rowHeight = 56;

export function LogsScreen() {
  const { t } = useTranslation();
  const { language, user, openLogId, openLog } = useApp();
  const [filters, setFilters] = useState<Filters>({});
  // Prompt versions belong to one workspace: the choice is offered only while one is picked.
  const promptVersions = usePromptVersions(filters.workspaceId);
  const [text, setText] = useState('');
  const [sort, setSort] = useState<Sort>('newest');
  const [rows, setRows] = useState<LogListRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [detail, setDetail] = useState<LogDetail | null>(null);
  /** The prompt history of the workspace filtered on: answers can be narrowed to one version of it. */
  const generation = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const panel = useRef<EvaluationPanelHandle>(null);

  // Filtering and paging happen in SQL; the list only ever holds the pages scrolled through.
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    try {
      const [page, count] = await Promise.all([api.call('logs.query', { filters, sort, limit: pageSize }), api.call('logs.count', { filters })]);
      if (mine !== generation.current) return;
      scroller.current?.scrollTo({ top: 0 });
      setRows(page.rows);
      setCursor(page.nextCursor);
      setTotal(count.total);
    } catch (caught) {
      if (mine === generation.current) setError(describeError(caught));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [filters, sort]);

  useEffect(() => {
    void reload();
  }, [reload]);


  // Text search waits until typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((current) => ({ ...current, text: text.trim() || undefined })), 250);
    return () => clearTimeout(timer);
  }, [text]);

  const loadMore = useCallback(async () => {
    if (!cursor || loading) return;
    const mine = generation.current;
    setLoading(true);
    try {
      const page = await api.call('logs.query', { filters, sort, limit: pageSize, cursor });
      if (mine !== generation.current) return;
      setRows((current) => [...current, ...page.rows]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setLoading(false);
    }
  }, [cursor, loading, filters, sort]);

  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  useEffect(() => {
    const last = items.at(-1);
    if (last && last.index >= rows.length - 20) void loadMore();
  }, [items, rows.length, loadMore]);

  const open = useCallback(async (id: number) => {
    try {
      setDetail(await api.call('logs.get', { id }));
    } catch (caught) {
      setError(describeError(caught));
    }
  }, []);

  useEffect(() => {
    if (openLogId !== null) {
      void open(openLogId);
      openLog(null);
    }
  }, [openLogId, open, openLog]);

  /**
   * Keyboard-first, like the chat: j/k or the arrow keys move through the list, 1/2/3 judge the
   * open answer (Ctrl/Cmd+Enter then saves and opens the next unjudged one). Never while typing
   * or composing with an input method.
   */
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (isComposing(event) || isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const current = rows.findIndex((row) => row.id === detail?.log.id);
    const move = event.key === 'j' || event.key === 'ArrowDown' ? 1 : event.key === 'k' || event.key === 'ArrowUp' ? -1 : 0;
    if (move !== 0) {
      const next = Math.max(0, Math.min(rows.length - 1, current + move));
      if (rows[next] && next !== current) {
        event.preventDefault();
        virtualizer.scrollToIndex(next, { align: 'auto' });
        void open(rows[next].id);
      }
      return;
    }
    if (detail && (event.key === '1' || event.key === '2' || event.key === '3')) {
      event.preventDefault();
      panel.current?.choose(Number(event.key) as 1 | 2 | 3);
    }
  };

  const setFilter = <K extends keyof Filters>(key: K, value: Filters[K] | undefined) => setFilters((current) => ({ ...current, [key]: value }));

  const afterSave = async (logId: number) => {
    void reload();
    const next = await api.call('logs.nextUnevaluated', { afterLogId: logId, ...(filters.workspaceId !== undefined && { workspaceId: filters.workspaceId }) });
    if (next.logId !== null) await open(next.logId);
  };

  const sqlAnswer = detail ? sqlAnswerOf(detail.log) : null;

  return (
    <div className="logs" tabIndex={-1} onKeyDown={onKeyDown} data-testid="logs-screen">
      <Group className="filters" data-testid="log-filters" gap="xs" align="flex-end" wrap="wrap">
        <EntitySelect kind="workspace" label={t('chat.workspace')} anyLabel={t('common.all')} value={filters.workspaceId ?? null} onChange={(id) => setFilters((current) => ({ ...current, workspaceId: id ?? undefined, promptVersionId: undefined }))} />
        <EntitySelect kind="model" label={t('chat.model')} anyLabel={t('common.all')} value={filters.modelId ?? null} onChange={(id) => setFilter('modelId', id ?? undefined)} />
        <LogFilterFields filters={filters} set={setFilter} promptVersions={promptVersions} testIdPrefix="filter" />
        <TextInput label={t('logs.search')} data-testid="filter-text" placeholder={t('logs.search')} value={text} onChange={(e) => setText(e.currentTarget.value)} />
        <NativeSelect
          label={t('logs.sort')}
          data-testid="log-sort"
          value={sort}
          onChange={(e) => setSort(e.currentTarget.value as Sort)}
          data={(['newest', 'oldest', 'slowest', 'longest'] as const).map((s) => ({ value: s, label: t(`logs.sorts.${s}`) }))}
        />
        <Text size="sm" c="dimmed" data-testid="log-total" pb={6}>
          {total === null ? t('common.loading') : t('logs.total', { count: total, formatted: total.toLocaleString(language) })}
        </Text>
      </Group>
      <ErrorText error={error} />
      <div className="logs-body">
        <div className="log-list" ref={scroller} data-testid="log-list">
          {rows.length === 0 && !loading && <p className="muted empty-state">{t('logs.empty')}</p>}
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = rows[item.index]!;
              return (
                <button
                  key={row.id}
                  className={detail?.log.id === row.id ? 'log-row active' : 'log-row'}
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, height: rowHeight, transform: `translateY(${item.start}px)` }}
                  onClick={() => void open(row.id)}
                  data-testid="log-row"
                >
                  <span className={`verdict-dot v${row.evaluation ?? 0}`}>{row.evaluation ?? '·'}</span>
                  <span className="log-text">
                    <strong>{row.question}</strong>
                    <span className="muted">{row.answerPreview}</span>
                  </span>
                  <span className="log-meta muted">
                    {formatDate(row.askedAt, language)}
                    <br />
                    {row.workspaceName} · {row.modelName}
                    {row.versionName && ` · ${row.versionName}`}
                  </span>
                </button>
              );
            })}
          </div>
        </div>
        {!detail && <aside className="log-detail muted">{t('logs.pick')}</aside>}
        {detail && (
          <aside className="log-detail" data-testid="log-detail">
            <header>
              <h3>#{detail.log.id}</h3>
              <span className="muted">
                {detail.workspaceName} · {detail.modelName}
                {detail.versionName && ` · ${detail.versionName}`} · {formatDate(detail.log.askedAt, language)}
              </span>
            </header>
            <h4>{t('logs.question')}</h4>
            <div className="question">{detail.log.question}</div>
            <h4>{t('logs.answer')}</h4>
            {sqlAnswer ? <SqlAnswer answer={sqlAnswer} /> : <div className="answer">{detail.log.answer}</div>}
            <AnswerStats log={detail.log} />
            <Sources sources={detail.log.sources} retrievalOutcome={detail.log.retrievalOutcome} />
            <ToolCalls calls={detail.log.toolCalls} />
            <details>
              <summary>{t('logs.systemPrompt')}</summary>
              <pre className="passage">{detail.systemPromptSnapshot || '–'}</pre>
            </details>
            <HiddenVerdictsNote count={detail.hiddenEvaluations} />
            <p className="hint">{t('logs.keys')}</p>
            <EvaluationPanel ref={panel} log={detail.log} existing={detail.evaluations.find((e) => e.evaluatorId === user?.id) ?? null} onSaved={() => void afterSave(detail.log.id)} />
          </aside>
        )}
      </div>
    </div>
  );
}
