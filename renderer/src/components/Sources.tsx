import { Modal, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PassageView, RetrievedSource } from '../../../shared/contract/entities.ts';
import { api, describeError } from '../api.ts';

/** Citations under an answer: each opens the passage, in its document, as the model saw it. */
export function Sources({ sources, retrievalOutcome = null }: { sources: RetrievedSource[]; retrievalOutcome?: 'below_threshold' | 'found' | null }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<{ source: RetrievedSource; passage: PassageView | null; error: string | null } | null>(null);
  if (sources.length === 0) {
    // Searched, and nothing was similar enough: say so, or the user is left guessing.
    if (retrievalOutcome !== 'below_threshold') return null;
    return (
      <p className="hint" data-testid="no-passages">
        {t('chat.noPassages')}
      </p>
    );
  }

  const show = async (source: RetrievedSource) => {
    setOpen({ source, passage: null, error: null });
    if (source.documentId === null) return;
    const { chunkIndex } = source;
    try {
      setOpen({ source, passage: await api.call('documents.passage', { documentId: source.documentId, chunkIndex }), error: null });
    } catch (caught) {
      setOpen({ source, passage: null, error: describeError(caught) });
    }
  };

  return (
    <div className="sources" data-testid="sources">
      <span className="field-label">{t('chat.sources')}</span>
      <ol>
        {sources.map((source) => (
          <li key={source.rank}>
            <button className="link" data-testid="citation" onClick={() => void show(source)}>
              [{source.rank}] {source.title}
              {source.page !== null && ` · p. ${source.page}`}
              {source.section && ` · § ${source.section}`}
            </button>
            <Tooltip label={t('chat.similarityHelp')} multiline w={320} withArrow>
              <span className="muted similarity" tabIndex={0}>
                {' '}
                {source.pinned ? t('chat.pinned') : t('chat.score', { score: source.score.toFixed(2) })}
              </span>
            </Tooltip>
          </li>
        ))}
      </ol>
      <Modal
        opened={open !== null}
        onClose={() => setOpen(null)}
        size="lg"
        title={open ? `[${open.source.rank}] ${open.source.title}` : ''}
      >
        {open && (
          <div data-testid="passage-dialog">
            <p className="muted">
              {open.source.docId}
              {open.source.page !== null && ` · p. ${open.source.page}`}
              {open.source.section && ` · § ${open.source.section}`} · {t('chat.score', { score: open.source.score.toFixed(3) })}
            </p>
            {open.error && <p className="error-text">{open.error}</p>}
            <pre className="passage" data-testid="passage-text">
              {open.passage?.text ?? open.source.promptText}
            </pre>
          </div>
        )}
      </Modal>
    </div>
  );
}
