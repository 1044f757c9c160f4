import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationLog, Evaluation } from '../../../shared/contract/entities.ts';
import { api } from '../api.ts';
import { useApp } from '../store.ts';
import { EvaluationPanel } from './EvaluationPanel.tsx';
import { FilterNote } from './RetrievalFilter.tsx';
import { Sources } from './Sources.tsx';
import { SqlAnswer, sqlAnswerOf } from './SqlAnswer.tsx';

export function AnswerStats({ log }: { log: ConversationLog }) {
  const { t } = useTranslation();
  return (
    <p className="stats" data-testid="answer-stats">
      <span className={`badge ${log.stopReason}`} data-testid="stop-reason">
        {t(`chat.stopReasons.${log.stopReason}`)}
      </span>{' '}
      {t('chat.stats', { tokens: log.completionTokens, tps: log.tokensPerSecond?.toFixed(1) ?? '–', ttft: log.timeToFirstTokenMs?.toFixed(0) ?? '–' })}
      {log.errorMessage && <span className="error-text"> · {log.errorMessage}</span>}
    </p>
  );
}

/** One question, its answer with measurements and citations, and the evaluation panel beside it. */
export function AnswerCard({ log, focus, onSaved }: { log: ConversationLog; focus: boolean; onSaved: (log: ConversationLog) => void }) {
  const user = useApp((state) => state.user);
  const [existing, setExisting] = useState<Evaluation | null | undefined>(undefined);
  const sql = sqlAnswerOf(log);

  useEffect(() => {
    let cancelled = false;
    api.call('logs.get', { id: log.id }).then(
      (detail) => !cancelled && setExisting(detail.evaluations.find((e) => e.evaluatorId === user?.id) ?? null),
      () => !cancelled && setExisting(null),
    );
    return () => {
      cancelled = true;
    };
  }, [log.id, user?.id]);

  return (
    <article className="exchange" data-testid="exchange" data-log-id={log.id}>
      <div className="qa">
        <div className="question">{log.question}</div>
        {sql ? (
          <SqlAnswer answer={sql} />
        ) : (
          <div className="answer" data-testid="answer">
            {log.answer}
          </div>
        )}
        <AnswerStats log={log} />
        <Sources sources={log.sources} retrievalOutcome={log.retrievalOutcome} />
        {/* A search limited by the chat's filter says so under its sources. */}
        <FilterNote filter={log.toolCalls.find((call) => call.toolName === 'retrieve')?.arguments['filter']} testId="answer-filter" />
      </div>
      {existing !== undefined && <EvaluationPanel log={log} existing={existing} autoFocus={focus} onSaved={() => onSaved(log)} />}
    </article>
  );
}
