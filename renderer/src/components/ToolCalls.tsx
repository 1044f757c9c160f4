import { useTranslation } from 'react-i18next';
import type { ToolCall } from '../../../shared/contract/entities.ts';
import { FilterNote } from './RetrievalFilter.tsx';

/** The steps an answer took before the model wrote it, in order, as the log recorded them. */
export function ToolCalls({ calls }: { calls: ToolCall[] }) {
  const { t } = useTranslation();
  // The SQL route's reasons, else an app error code, else the code itself.
  const reasonOf = (code: string | null) => (code ? t(`toolCalls.reasons.${code}`, { defaultValue: t(`errors.${code}`, { defaultValue: '' }) }) : '');
  if (calls.length === 0) return null;
  return (
    <details className="tool-calls" data-testid="tool-calls">
      <summary>{t('toolCalls.title', { count: calls.length })}</summary>
      <ol>
        {calls.map((call) => (
          <li key={call.position} data-testid="tool-call" data-tool={call.toolName} data-success={call.success}>
            <strong>{t(`toolCalls.names.${call.toolName}`)}</strong>{' '}
            <span className={call.success ? 'muted' : 'error-text'}>
              {call.success ? t('toolCalls.ok') : t('toolCalls.failed', { code: call.errorCode ?? '?', reason: reasonOf(call.errorCode) })}
            </span>{' '}
            <span className="muted">{t('toolCalls.time', { ms: call.executionTimeMs.toFixed(1) })}</span>
            {call.toolName === 'retrieve' && <FilterNote filter={call.arguments['filter']} testId="tool-call-filter" />}
            {/* Arguments and results are data (SQL, counts), shown as recorded, not translated. */}
            {Object.keys(call.arguments).length > 0 && <pre className="passage">{JSON.stringify(call.arguments, null, 1)}</pre>}
            {call.resultSummary && <pre className="passage">{call.resultSummary}</pre>}
          </li>
        ))}
      </ol>
    </details>
  );
}
