import { Alert, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DocumentScope } from '../../../shared/contract/entities.ts';
import { ApiError, isApiErrorPayload } from '../../../shared/contract/errors.ts';
import type { RecordFormat, RecordHistory, RecordOutcome, RecordPreview, RecordProblem } from '../../../shared/contract/records.ts';
import { api, describeError, newRequestId } from '../api.ts';
import { ErrorText } from '../components/Field.tsx';
import { emptyFileSource, fileSourceInput, fileSourceName, FileSourceInput, type FileSource } from '../components/FileSourceInput.tsx';
import { formatDate } from '../format.ts';
import { useApp } from '../store.ts';

interface Props {
  opened: boolean;
  workspaceId: number | null;
  scope: DocumentScope;
  onClose: () => void;
  /** After an import, so the document list shows what changed. */
  onImported: () => void;
}

const shownProblems = 200;

/** A picked file's format from its extension (a path's is found by the main process itself). */
const formatOf = (name: string): RecordFormat | undefined => {
  const extension = name.toLowerCase().split('.').pop();
  return extension === 'json' ? 'json' : extension === 'jsonl' || extension === 'ndjson' ? 'jsonl' : undefined;
};

/**
 * Structured records (seed 002's board posts, coaching notes, project documents) from a JSON or
 * JSONL file: a preview with the records that cannot be imported by line, and the import of the
 * valid ones only once the person confirms.
 */
export function RecordsImportDialog({ opened, workspaceId, scope, onClose, onImported }: Props) {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  const [file, setFile] = useState<FileSource>(emptyFileSource);
  const [preview, setPreview] = useState<RecordPreview | null>(null);
  const [outcomes, setOutcomes] = useState<RecordOutcome[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  // Another file is another preview; a dialog opened again starts from its file, not from the last outcome.
  useEffect(() => {
    setPreview(null);
    setOutcomes(null);
    setError(null);
  }, [file, workspaceId, opened]);

  /** The API's source: the path, or the picked file's text with its format. */
  const source = () => {
    const input = fileSourceInput(file);
    if (!input || 'path' in input) return input;
    const format = formatOf(fileSourceName(file));
    return { ...input, ...(format && { format }) };
  };

  const load = async () => {
    const from = source();
    if (workspaceId === null || !from) return;
    const mine = ++generation.current;
    setBusy(true);
    setError(null);
    try {
      const next = await api.call('documents.previewRecords', { workspaceId, ...from });
      if (mine === generation.current) setPreview(next);
    } catch (caught) {
      if (mine === generation.current) {
        setPreview(null);
        setError(describeError(caught));
      }
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  const confirm = async () => {
    const from = source();
    if (workspaceId === null || !preview || !from) return;
    const jobId = newRequestId();
    setJob(jobId);
    setError(null);
    try {
      const result = await api.call('documents.importRecords', { workspaceId, ...from, scope, acceptProblems: preview.problems.length > 0, jobId });
      setOutcomes(result.outcomes);
      onImported();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setJob(null);
    }
  };

  const problemText = (problem: RecordProblem) => {
    const detail = problem.detail === 'invalid_json' ? null : (problem.value ?? problem.detail ?? null);
    return `${t('documents.records.problemLine', { line: problem.line, problem: t(`documents.records.problemCodes.${problem.code}`) })}${detail ? ` (${detail})` : ''}${problem.docId ? ` · ${problem.docId}` : ''}`;
  };
  const outcomeError = (outcome: RecordOutcome) => (outcome.error ? describeError(isApiErrorPayload(outcome.error) ? ApiError.fromPayload(outcome.error) : new Error(outcome.error.message)) : null);
  const count = (result: RecordOutcome['result']) => outcomes?.filter((o) => o.result === result).length ?? 0;
  const skipped = preview?.problems.length ?? 0;

  return (
    <Modal opened={opened} onClose={onClose} size="xl" title={t('documents.records.title')}>
      <Stack gap="sm" data-testid="records-import">
        <Group align="flex-end" gap="sm" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <FileSourceInput label={t('documents.records.file')} extensions={['json', 'jsonl', 'ndjson']} value={file} onChange={setFile} onError={setError} testId="records" />
          </div>
          <Button variant="default" onClick={() => void load()} loading={busy} disabled={workspaceId === null || !source()} data-testid="records-preview">
            {t('documents.records.preview')}
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          {t('documents.records.explain')}
        </Text>
        <ErrorText error={error} testId="records-error" />
        {preview && !outcomes && (
          <Stack gap="sm" data-testid="records-preview-result">
            <Text size="sm">{t('documents.records.summary', { format: preview.format.toUpperCase(), encoding: preview.encoding, count: preview.validCount })}</Text>
            {preview.sample.length > 0 && (
              <Table withTableBorder striped fz="xs" data-testid="records-sample">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('documents.records.line')}</Table.Th>
                    <Table.Th>{t('documents.records.docId')}</Table.Th>
                    <Table.Th>{t('documents.columns.document')}</Table.Th>
                    <Table.Th>{t('documents.records.event')}</Table.Th>
                    <Table.Th>{t('documents.records.sourceType')}</Table.Th>
                    <Table.Th>{t('documents.records.updatedAt')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.sample.map((row) => (
                    <Table.Tr key={`${row.line}-${row.docId}`}>
                      <Table.Td>{row.line}</Table.Td>
                      <Table.Td className="path">{row.docId}</Table.Td>
                      <Table.Td>
                        <div className="clamp">{row.title}</div>
                      </Table.Td>
                      <Table.Td>{row.eventType}</Table.Td>
                      <Table.Td>{row.sourceType}</Table.Td>
                      <Table.Td>{formatDate(row.updatedAt, language)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            {skipped > 0 && (
              <Alert color="yellow" title={t('documents.records.problems', { count: skipped })} data-testid="records-problems">
                <ul className="problems">
                  {preview.problems.slice(0, shownProblems).map((problem, index) => (
                    <li key={`${problem.line}-${index}`} data-testid="records-problem">
                      {problemText(problem)}
                    </li>
                  ))}
                </ul>
                {(preview.problems.length > shownProblems || preview.problemsTruncated) && <Text size="xs">{t('documents.records.moreProblems')}</Text>}
              </Alert>
            )}
            <Group justify="flex-end">
              {job && (
                <Button variant="default" onClick={() => void api.call('jobs.cancel', { jobId: job })}>
                  {t('common.cancel')}
                </Button>
              )}
              <Button onClick={() => void confirm()} loading={job !== null} disabled={preview.validCount === 0} data-testid="records-confirm">
                {skipped > 0 ? t('documents.records.confirmValid', { count: preview.validCount }) : t('documents.records.confirm', { count: preview.validCount })}
              </Button>
            </Group>
          </Stack>
        )}
        {outcomes && (
          <Stack gap="xs" data-testid="records-outcomes">
            <Text size="sm">{t('documents.records.done', { added: count('added'), updated: count('updated'), deleted: count('deleted'), failed: count('failed') })}</Text>
            <ul className="problems">
              {outcomes.map((outcome, index) => (
                <li key={`${outcome.line}-${index}`} data-testid="records-outcome" data-result={outcome.result}>
                  {t('documents.records.problemLine', { line: outcome.line, problem: `${outcome.docId} · ${outcome.eventType} · ${t(`documents.records.results.${outcome.result}`)}` })}
                  {outcome.error && <span className="error-text small"> {outcomeError(outcome)}</span>}
                </li>
              ))}
            </ul>
          </Stack>
        )}
      </Stack>
    </Modal>
  );
}

/**
 * One doc_id's sync events (newest first), as `documents.recordHistory` keeps them, and the
 * record's metadata as it was imported last.
 */
export function RecordHistoryDialog({ workspaceId, docId, onClose }: { workspaceId: number | null; docId: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  const [history, setHistory] = useState<RecordHistory | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setHistory(null);
    setError(null);
    if (workspaceId === null || docId === null) return;
    let cancelled = false;
    api.call('documents.recordHistory', { workspaceId, docId }).then(
      (next) => !cancelled && setHistory(next),
      (caught) => !cancelled && setError(describeError(caught)),
    );
    return () => {
      cancelled = true;
    };
  }, [workspaceId, docId]);

  const metadata = Object.entries(history?.metadata ?? {});
  return (
    <Modal opened={docId !== null} onClose={onClose} size="lg" title={t('documents.records.historyTitle', { docId: docId ?? '' })}>
      <Stack gap="sm" data-testid="record-history">
        <ErrorText error={error} />
        {history && history.events.length === 0 && <Text size="sm" c="dimmed">{t('documents.records.noEvents')}</Text>}
        {history && history.events.length > 0 && (
          <Table withTableBorder striped fz="xs" data-testid="record-events">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('documents.records.event')}</Table.Th>
                <Table.Th>{t('documents.records.eventAt')}</Table.Th>
                <Table.Th>{t('documents.records.recordedAt')}</Table.Th>
                <Table.Th>{t('documents.records.result')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {history.events.map((event) => (
                <Table.Tr key={event.id} data-testid="record-event" data-event={event.eventType} data-result={event.result}>
                  <Table.Td>{event.eventType}</Table.Td>
                  <Table.Td>{formatDate(event.eventAt, language)}</Table.Td>
                  <Table.Td>{formatDate(event.recordedAt, language)}</Table.Td>
                  <Table.Td>
                    {t(`documents.records.results.${event.result}`)}
                    {event.errorCode && <span className="error-text small"> {t(`errors.${event.errorCode}`, { defaultValue: event.errorCode })}</span>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {metadata.length > 0 && (
          <>
            <Text size="sm" fw={600}>
              {t('documents.records.metadata')}
            </Text>
            {/* The record's own fields: data, shown as imported. */}
            <Table withTableBorder fz="xs" data-testid="record-metadata">
              <Table.Tbody>
                {metadata.map(([key, value]) => (
                  <Table.Tr key={key}>
                    <Table.Td className="path" style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
                      {key}
                    </Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{typeof value === 'string' ? value : JSON.stringify(value)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </Stack>
    </Modal>
  );
}
