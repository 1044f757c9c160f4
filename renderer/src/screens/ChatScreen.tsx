import { Button, Checkbox, Group, NativeSelect, Text, Textarea } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationLog, ModelVersion, SessionInfo } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { api, describeError, newRequestId } from '../api.ts';
import { AnswerCard } from '../components/AnswerCard.tsx';
import { EntitySelect } from '../components/EntitySelect.tsx';
import { ErrorText } from '../components/Field.tsx';
import { FilterButton, FilterChips, filterIsActive } from '../components/RetrievalFilter.tsx';
import { useDraft } from '../components/useDraft.ts';
import { isComposing } from '../keyboard.ts';
import { useApp } from '../store.ts';
import type { TemplateVariable } from '../../../shared/prompt-template.ts';
import { retrievalFilterSchema, type RetrievalFilter } from '../../../shared/contract/records.ts';
import { VariablesDialog } from './prompts/VariablesDialog.tsx';

export function ChatScreen() {
  const { t } = useTranslation();
  const { workspaces, models, runtime, sessionId, setSession, preferences } = useApp();
  const [workspaceId, setWorkspaceId] = useState<number | null>(workspaces[0]?.id ?? null);
  // The person's preferred model first (if it is still registered), else the loaded one, else the first.
  const preferredModel = models.find((m) => m.id === preferences?.preferredModelId)?.id;
  const [modelId, setModelId] = useState<number | null>(preferredModel ?? runtime?.modelId ?? models[0]?.id ?? null);
  /** Whether the next session retrieves from the workspace's documents; preset by the person's preference. */
  const [useDocuments, setUseDocuments] = useState(preferences?.useDocuments ?? true);
  const [session, setSessionInfo] = useState<SessionInfo | null>(null);
  /** Versions (base + trained adapters) of the chosen model; '' asks the base alone. */
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [versionId, setVersionId] = useState<string>('');
  const [history, setHistory] = useState<ConversationLog[]>([]);
  const [question, setQuestion] = useState('');
  const [questionDirty, setQuestionDirty] = useState(false);
  const [streaming, setStreaming] = useState<{ requestId: string; question: string; text: string } | null>(null);
  const [focusLogId, setFocusLogId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [needsLoad, setNeedsLoad] = useState(false);
  /** "n of m evaluated" for this session, by the current user. */
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  /** Limits this session's retrieval (source types, updated_at, record fields) while set; sent with every question. */
  const [filter, setFilter] = useState<RetrievalFilter | null>(null);
  const streamText = useRef('');
  const transcriptEnd = useRef<HTMLDivElement>(null);
  const draftKey = session ? `question:${session.id}` : null;
  const questionDraft = useDraft(draftKey, question, questionDirty, 400);

  // Re-open the session the person was working in, with its transcript and unsent question.
  useEffect(() => {
    if (sessionId === null) return;
    let cancelled = false;
    void (async () => {
      try {
        const [info, logs, draft] = await Promise.all([api.call('sessions.get', { id: sessionId }), api.call('chat.history', { sessionId }), api.call('drafts.get', { key: `question:${sessionId}` })]);
        if (cancelled) return;
        setSessionInfo(info);
        setWorkspaceId(info.workspaceId);
        setModelId(info.modelId);
        setVersionId(info.versionId === null ? '' : String(info.versionId));
        setHistory(logs);
        if (typeof draft?.value === 'string') setQuestion(draft.value);
      } catch (caught) {
        if (!cancelled) setError(describeError(caught));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [sessionId]);

  // A filter belongs to its session (and its workspace's documents): a new session starts
  // unlimited, and a session opened again (after a restart too) gets back the filter it had.
  const sessionKey = session?.id;
  useEffect(() => {
    setFilter(null);
    if (sessionKey === undefined) return;
    let cancelled = false;
    api.call('drafts.get', { key: `filter:${sessionKey}` }).then(
      (draft) => {
        // A stored filter that no longer fits the contract is dropped rather than sent and refused.
        const stored = retrievalFilterSchema.safeParse(draft?.value);
        if (!cancelled && stored.success && filterIsActive(stored.data)) setFilter(stored.data);
      },
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [sessionKey]);
  const changeFilter = (next: RetrievalFilter | null) => {
    setFilter(next);
    if (sessionKey === undefined) return;
    const key = `filter:${sessionKey}`;
    (filterIsActive(next) ? api.call('drafts.save', { key, value: next }) : api.call('drafts.discard', { key })).catch((caught: unknown) => setError(describeError(caught)));
  };

  useEffect(() => {
    if (modelId === null) return setVersions([]);
    api.call('versions.list', { baseModelId: modelId }).then(setVersions, () => setVersions([]));
  }, [modelId]);

  // Stream tokens into a ref and repaint once per animation frame: smooth even at 1,000 tokens/s.
  useEffect(() => {
    if (!streaming) return;
    let frame = 0;
    const unsubscribe = api.on('chat.token', ({ requestId, text }) => {
      if (requestId !== streaming.requestId) return;
      streamText.current += text;
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          setStreaming((current) => (current && current.requestId === requestId ? { ...current, text: streamText.current } : current));
        });
      }
    });
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [streaming?.requestId]);

  useEffect(() => {
    transcriptEnd.current?.scrollIntoView({ block: 'end' });
  }, [history.length, streaming?.text]);

  const refreshProgress = useCallback(async () => {
    if (!session) return setProgress(null);
    try {
      const [all, open] = await Promise.all([api.call('logs.count', { filters: { sessionId: session.id } }), api.call('logs.count', { filters: { sessionId: session.id, evaluation: 0 } })]);
      setProgress({ done: all.total - open.total, total: all.total });
    } catch {
      // The count is a convenience; the transcript itself is what matters.
    }
  }, [session]);

  useEffect(() => {
    void refreshProgress();
  }, [refreshProgress, history.length]);

  /** The prompt template's own variables, asked for before the session starts (null: not asking). */
  const [asking, setAsking] = useState<TemplateVariable[] | null>(null);
  const start = async () => {
    if (workspaceId === null || modelId === null) return;
    setError(null);
    try {
      const current = await api.call('prompts.current', { workspaceId });
      if (current.version.variables.length > 0) {
        setAsking(current.version.variables);
        return;
      }
    } catch {
      // Without the template's variables the start itself says what is missing.
    }
    await startWith({});
  };
  const startWith = async (variables: Record<string, string>) => {
    if (workspaceId === null || modelId === null) return;
    setAsking(null);
    setError(null);
    try {
      // Only a choice that differs from the preference is sent: the main process applies the preference itself.
      const info = await api.call('sessions.start', {
        workspaceId,
        modelId,
        versionId: versionId ? Number(versionId) : null,
        ...(Object.keys(variables).length > 0 && { variables }),
        ...(useDocuments !== (preferences?.useDocuments ?? true) && { settings: { useDocuments } }),
      });
      setSessionInfo(info);
      setHistory([]);
      // A question typed before starting the new session goes with it (and into its draft).
      if (question.trim() !== '') setQuestionDirty(true);
      setSession(info.id);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const loadModel = async () => {
    if (!session) return;
    setError(null);
    try {
      await api.call('runtime.load', { modelId: session.modelId });
      setNeedsLoad(false);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const ask = async () => {
    if (!session || streaming) return;
    if (question.trim() === '') {
      setError(t('chat.empty'));
      return;
    }
    const requestId = newRequestId();
    const asked = question;
    streamText.current = '';
    setError(null);
    setNeedsLoad(false);
    setStreaming({ requestId, question: asked, text: '' });
    try {
      const limits = session.settingsSnapshot.useDocuments && filterIsActive(filter);
      const log = await api.call('chat.ask', { sessionId: session.id, question: asked, requestId, ...(limits && { filter }) });
      setHistory((current) => [...current, log]);
      setQuestion('');
      setQuestionDirty(false);
      await questionDraft.discard();
      setFocusLogId(log.id);
    } catch (caught) {
      // The question stays in the box (and in its draft): nothing typed is lost.
      setError(describeError(caught));
      if (caught instanceof ApiError && caught.code === 'MODEL_NOT_LOADED') setNeedsLoad(true);
    } finally {
      setStreaming(null);
    }
  };

  const stop = () => {
    if (streaming) void api.call('chat.stop', { requestId: streaming.requestId });
  };

  const onSaved = useCallback(
    async (log: ConversationLog) => {
      if (!session) return;
      void refreshProgress();
      const next = await api.call('logs.nextUnevaluated', { afterLogId: log.id, sessionId: session.id });
      if (next.logId === null) {
        setNotice(t('eval.noMore'));
        setFocusLogId(null);
        document.querySelector<HTMLTextAreaElement>('[data-testid="question"]')?.focus();
      } else {
        setNotice(null);
        setFocusLogId(next.logId);
        document.querySelector(`[data-log-id="${next.logId}"]`)?.scrollIntoView({ block: 'center' });
      }
    },
    [session, t, refreshProgress],
  );

  const sessionModel = models.find((m) => m.id === session?.modelId);
  const sessionWorkspace = workspaces.find((w) => w.id === session?.workspaceId);
  // A query workspace answers only from its documents: there is nothing to turn off.
  const chosenWorkspace = workspaces.find((w) => w.id === workspaceId);
  const documentsFixed = chosenWorkspace?.chatMode === 'query';

  return (
    <div className="chat">
      <Group className="session-bar" align="flex-end" gap="sm" wrap="wrap">
        <EntitySelect kind="workspace" label={t('chat.workspace')} testId="chat-workspace" value={workspaceId} onChange={setWorkspaceId} />
        <EntitySelect kind="model" label={t('chat.model')} testId="chat-model" value={modelId} onChange={setModelId} />
        {versions.length > 0 && (
          <NativeSelect
            label={t('chat.version')}
            data-testid="chat-version"
            value={versionId}
            onChange={(e) => setVersionId(e.currentTarget.value)}
            data={[{ value: '', label: t('versions.baseOnly') }, ...versions.map((v) => ({ value: String(v.id), label: v.name }))]}
          />
        )}
        <Checkbox
          mb={8}
          label={t('chat.useDocuments')}
          title={documentsFixed ? t('chat.useDocumentsQuery') : undefined}
          checked={documentsFixed || useDocuments}
          disabled={documentsFixed}
          onChange={(e) => setUseDocuments(e.currentTarget.checked)}
          data-testid="chat-use-documents"
        />
        <Button data-testid="session-start" disabled={workspaceId === null || modelId === null} onClick={() => void start()}>
          {session ? t('chat.newSession') : t('chat.start')}
        </Button>
        {session && (
          <Text size="sm" c="dimmed" data-testid="session-info">
            {t('chat.session', { id: session.id })} · {sessionWorkspace?.name} · {sessionModel?.displayName}
            {session.versionId !== null && ` · ${versions.find((v) => v.id === session.versionId)?.name ?? `#${session.versionId}`}`}
            {!session.settingsSnapshot.useDocuments && ` · ${t('chat.withoutDocuments')}`}
          </Text>
        )}
        {session && progress && progress.total > 0 && (
          <span className={`eval-progress ${progress.done === progress.total ? 'complete' : ''}`} data-testid="eval-progress">
            {t('eval.progress', { done: progress.done, total: progress.total })}
          </span>
        )}
      </Group>
      {!session && <p className="muted empty-state">{t('chat.noSession')}</p>}
      {session && (
        <>
          <div className="transcript" data-testid="transcript">
            {history.map((log) => (
              <AnswerCard key={log.id} log={log} focus={focusLogId === log.id} onSaved={(saved) => void onSaved(saved)} />
            ))}
            {streaming && (
              <article className="exchange streaming">
                <div className="qa">
                  <div className="question">{streaming.question}</div>
                  <div className="answer" data-testid="streaming-answer">
                    {streaming.text}
                    <span className="cursor" />
                  </div>
                  <p className="stats">{t('chat.streaming')}</p>
                </div>
              </article>
            )}
            <div ref={transcriptEnd} />
          </div>
          {notice && <p className="notice">{notice}</p>}
          <ErrorText error={error} testId="chat-error" />
          {(needsLoad || (runtime?.modelId !== session.modelId && runtime?.state !== 'loading')) && (
            <p className="warning">
              {t('chat.modelNotLoaded')}{' '}
              <button data-testid="chat-load-model" onClick={() => void loadModel()}>
                {t('chat.loadNow')}
              </button>
            </p>
          )}
          {session.settingsSnapshot.useDocuments && (
            <div className="filter-bar" data-testid="filter-bar">
              <FilterButton workspaceId={session.workspaceId} filter={filter} onChange={changeFilter} />
              {filterIsActive(filter) && <FilterChips filter={filter} onChange={changeFilter} />}
            </div>
          )}
          <div className="composer">
            <Textarea
              style={{ flex: 1 }}
              data-testid="question"
              autosize
              minRows={2}
              maxRows={8}
              placeholder={t('chat.placeholder')}
              aria-label={t('chat.placeholder')}
              value={question}
              onChange={(e) => {
                setQuestion(e.currentTarget.value);
                setQuestionDirty(true);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !isComposing(e)) {
                  e.preventDefault();
                  void ask();
                }
              }}
            />
            {streaming ? (
              <Button color="red" variant="light" data-testid="stop" onClick={stop}>
                {t('chat.stop')}
              </Button>
            ) : (
              <Button data-testid="send" disabled={question.trim() === ''} onClick={() => void ask()}>
                {t('chat.send')}
              </Button>
            )}
          </div>
        </>
      )}
      {asking && <VariablesDialog variables={asking} onCancel={() => setAsking(null)} onStart={(values) => void startWith(values)} />}
    </div>
  );
}
