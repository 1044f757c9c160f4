import { Alert, Button, Checkbox, Group, NativeSelect, Progress, Table, Text, Textarea } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { documentExtensions, textDocumentFormats, type DocumentInfo, type DocumentListItem, type DocumentScope, type IngestOutcome, type TextDocumentFormat } from '../../../shared/contract/entities.ts';
import { ApiError, type ApiErrorPayload } from '../../../shared/contract/errors.ts';
import { api, describeError, newRequestId } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EntitySelect } from '../components/EntitySelect.tsx';
import { FileBrowserDialog } from '../components/FileBrowserDialog.tsx';
import { ErrorText } from '../components/Field.tsx';
import { formatBytes } from '../format.ts';
import { useApp } from '../store.ts';
import { RecordHistoryDialog, RecordsImportDialog } from './RecordsImportDialog.tsx';
import { DocumentGraphDialog, WorkspaceEntities } from './DocumentGraph.tsx';

/** How documents that are no structured record came in: files, and text added through the API. */
const plainSourceTypes = new Set(['file', 'api']);

export function DocumentsScreen() {
  const { t } = useTranslation();
  const workspaces = useApp((state) => state.workspaces);
  const language = useApp((state) => state.language);
  const [workspaceId, setWorkspaceId] = useState<number | null>(workspaces[0]?.id ?? null);
  const [documents, setDocuments] = useState<DocumentListItem[]>([]);
  const [paths, setPaths] = useState('');
  const [scope, setScope] = useState<DocumentScope>('shared');
  const [watched, setWatched] = useState(false);
  const [job, setJob] = useState<string | null>(null);
  const [progress, setProgress] = useState<Record<string, { progress: number; phase: string; name: string }>>({});
  const [outcomes, setOutcomes] = useState<IngestOutcome[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const [syncSummary, setSyncSummary] = useState<string | null>(null);
  const [removing, setRemoving] = useState<DocumentInfo | null>(null);
  const [importingRecords, setImportingRecords] = useState(false);
  const [graphOf, setGraphOf] = useState<DocumentInfo | null>(null);
  const [historyOf, setHistoryOf] = useState<string | null>(null);
  const workspace = workspaces.find((w) => w.id === workspaceId);

  const refresh = useCallback(async () => {
    if (workspaceId === null) return;
    try {
      setDocuments(await api.call('documents.list', { workspaceId }));
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [workspaceId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(
    () =>
      api.on('document.progress', (event) => {
        setProgress((current) => ({ ...current, [event.docId]: { progress: event.progress, phase: event.phase, name: event.path?.split(/[\\/]/).pop() ?? event.docId } }));
      }),
    [],
  );

  const run = async (work: (jobId: string) => Promise<IngestOutcome[]>) => {
    const jobId = newRequestId();
    setJob(jobId);
    setError(null);
    setOutcomes([]);
    setProgress({});
    try {
      setOutcomes(await work(jobId));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setJob(null);
      void refresh();
    }
  };

  const addPaths = () => {
    if (workspaceId === null) return;
    const list = paths.split('\n').map((line) => line.trim()).filter(Boolean);
    if (list.length === 0) return;
    void run((jobId) => api.call('documents.addFiles', { workspaceId, paths: list, scope, watched, jobId }));
  };

  /**
   * Dropped files: in the desktop app they are added by path like any other; in a browser, which
   * cannot hand over a path, text formats are sent as text.
   */
  const onDrop = (event: React.DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (workspaceId === null) return;
    const files = [...event.dataTransfer.files];
    const desktop = window.evaldeskFiles;
    if (desktop) {
      const dropped = files.map((file) => desktop.pathForFile(file)).filter(Boolean);
      if (dropped.length) void run((jobId) => api.call('documents.addFiles', { workspaceId, paths: dropped, scope, watched, jobId }));
      return;
    }
    void run(async (jobId) => {
      const results: IngestOutcome[] = [];
      for (const file of files) {
        const format = file.name.split('.').pop()?.toLowerCase() ?? '';
        if (!(textDocumentFormats as readonly string[]).includes(format)) {
          results.push({ path: file.name, docId: file.name, result: 'failed', document: null, error: { code: 'DOCUMENT_UNSUPPORTED', message: `${file.name}: add PDF and Word files by path.` }, warnings: [] });
          continue;
        }
        results.push(
          await api.call('documents.addText', { workspaceId, docId: `upload:${file.name}`, title: file.name, text: await file.text(), format: format as TextDocumentFormat, scope, jobId }),
        );
      }
      return results;
    });
  };

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      await refresh();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const sync = async () => {
    setSyncSummary(null);
    try {
      const runs = await api.call('documents.sync', workspaceId === null ? {} : { workspaceId });
      const count = (result: string) => runs.filter((r) => r.result === result).length;
      setSyncSummary(runs.length === 0 ? t('documents.syncNone') : t('documents.syncDone', { updated: count('updated'), unchanged: count('unchanged'), failed: count('failed') + count('missing') }));
      await refresh();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  /** The reason in the user's language; the stored English sentence only where no code exists (older rows). */
  const documentError = (doc: DocumentInfo) => (language !== 'en' && doc.errorCode ? t(`errors.${doc.errorCode}`, { defaultValue: doc.error ?? '' }) : doc.error);

  // A file that became a document row shows its error in the table; only the others are listed here.
  const failuresWithoutRow = outcomes.filter((outcome) => outcome.error && !outcome.document);

  return (
    <div className="page" onDragOver={(e) => (e.preventDefault(), setDragging(true))} onDragLeave={() => setDragging(false)} onDrop={onDrop}>
      <div className="pane-header">
        <h2>{t('documents.title')}</h2>
        <EntitySelect kind="workspace" testId="documents-workspace" value={workspaceId} onChange={setWorkspaceId} />
        <Button variant="default" data-testid="documents-sync" onClick={() => void sync()}>
          {t('documents.sync')}
        </Button>
        <Button variant="default" data-testid="documents-import-records" disabled={workspaceId === null} onClick={() => setImportingRecords(true)}>
          {t('documents.importRecords')}
        </Button>
      </div>
      {syncSummary && (
        <Alert color="blue" variant="light" withCloseButton onClose={() => setSyncSummary(null)} mb="sm" data-testid="sync-summary">
          {syncSummary}
        </Alert>
      )}
      <div className={dragging ? 'dropzone active' : 'dropzone'}>
        <Textarea label={t('documents.paths')} data-testid="document-paths" autosize minRows={2} maxRows={6} value={paths} onChange={(e) => setPaths(e.currentTarget.value)} spellCheck={false} />
        <Group mt="sm" gap="sm" align="center">
          <NativeSelect
            aria-label={t('documents.scope')}
            value={scope}
            onChange={(e) => setScope(e.currentTarget.value as DocumentScope)}
            data={[
              { value: 'shared', label: t('documents.shared') },
              { value: 'private', label: t('documents.private') },
            ]}
          />
          <Checkbox label={t('documents.watch')} checked={watched} onChange={(e) => setWatched(e.currentTarget.checked)} />
          {window.evaldeskFiles ? (
            <>
              <Button variant="default" onClick={() => void window.evaldeskFiles!.pick(false).then((picked) => picked.length && setPaths(picked.join('\n')))}>
                {t('documents.pickFiles')}
              </Button>
              <Button variant="default" onClick={() => void window.evaldeskFiles!.pick(true).then((picked) => picked.length && setPaths(picked.join('\n')))}>
                {t('documents.pickFolder')}
              </Button>
            </>
          ) : (
            <Button variant="default" data-testid="documents-browse" onClick={() => setBrowsing(true)}>
              {t('documents.pickFilesOrFolders')}
            </Button>
          )}
          {job ? (
            <Button variant="default" onClick={() => void api.call('jobs.cancel', { jobId: job })}>
              {t('common.cancel')}
            </Button>
          ) : (
            <Button data-testid="documents-add" disabled={paths.trim() === '' || workspaceId === null} onClick={addPaths}>
              {t('documents.add')}
            </Button>
          )}
        </Group>
        <Text size="xs" c="dimmed" mt="xs">
          {t('documents.drop')}
        </Text>
      </div>
      <FileBrowserDialog
        opened={browsing}
        kind="files-or-folders"
        multiple
        extensions={[...documentExtensions]}
        onClose={() => setBrowsing(false)}
        onPick={(picked) => {
          setBrowsing(false);
          if (picked.length) setPaths(picked.join('\n'));
        }}
      />
      {Object.entries(progress).map(([docId, item]) => (
        <div key={docId} className="progress-row" data-testid="document-progress" data-phase={item.phase}>
          <span>{item.name}</span>
          <Progress w={240} value={item.progress * 100} color={item.phase === 'failed' ? 'red' : item.phase === 'cancelled' ? 'gray' : item.progress >= 1 ? 'teal' : undefined} aria-label={item.name} />
          <span className={item.phase === 'failed' ? 'error-text small' : 'muted'}>{t(`documents.phases.${item.phase}`, { defaultValue: item.phase })}</span>
        </div>
      ))}
      {failuresWithoutRow.map((outcome) => (
        <p key={outcome.docId} className="error-text" data-testid="document-failure">
          {describeError(ApiError.fromPayload(outcome.error as ApiErrorPayload))}
        </p>
      ))}
      <ErrorText error={error} />
      {documents.length === 0 && <p className="muted">{t('documents.empty')}</p>}
      {documents.length > 0 && (
        <Table striped highlightOnHover withTableBorder data-testid="documents" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('documents.columns.document')}</Table.Th>
              <Table.Th>{t('documents.columns.status')}</Table.Th>
              <Table.Th>{t('documents.columns.chunks')}</Table.Th>
              <Table.Th>{t('documents.columns.size')}</Table.Th>
              <Table.Th>{t('documents.columns.scope')}</Table.Th>
              <Table.Th>{t('documents.columns.embedder')}</Table.Th>
              <Table.Th>{t('documents.columns.options')}</Table.Th>
              <Table.Th aria-label={t('documents.remove')} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {documents.map((doc) => (
              <Table.Tr key={doc.id} data-testid="document-row" data-status={doc.status}>
                <Table.Td>
                  <strong>{doc.title}</strong>
                  {/* A source type the chat's filter can pick (a record's, or one an API caller chose), and a record's sync history. */}
                  {!plainSourceTypes.has(doc.sourceType) && (
                    <>
                      {' '}
                      <span className="badge" data-testid="document-source-type">
                        {doc.sourceType}
                      </span>
                    </>
                  )}
                  <div className="muted path">{doc.docId}</div>
                  {doc.isRecord && (
                    <button className="link small" data-testid="document-record-history" onClick={() => setHistoryOf(doc.docId)}>
                      {t('documents.records.history')}
                    </button>
                  )}{' '}
                  {workspace?.graphExtraction && doc.status === 'ready' && (
                    <button className="link small" data-testid="document-graph-open" onClick={() => setGraphOf(doc)}>
                      {t('graph.open')}
                    </button>
                  )}
                </Table.Td>
                <Table.Td>
                  <span className={`badge ${doc.status}`}>{t(`documents.statuses.${doc.status}`)}</span>
                  {doc.error && <div className="error-text small">{documentError(doc)}</div>}
                </Table.Td>
                <Table.Td>{doc.chunkCount.toLocaleString()}</Table.Td>
                <Table.Td>{formatBytes(doc.sizeBytes)}</Table.Td>
                <Table.Td>{doc.scope === 'private' ? t('documents.private') : t('documents.shared')}</Table.Td>
                <Table.Td className="muted small">{doc.embedderId ?? '–'}</Table.Td>
                <Table.Td>
                  <label className="check">
                    <input type="checkbox" checked={doc.pinned} onChange={(e) => void act(() => api.call('documents.setPinned', { id: doc.id, pinned: e.target.checked }))} /> {t('documents.pin')}
                  </label>
                  {doc.sourcePath && (
                    <label className="check">
                      <input type="checkbox" checked={doc.watched} onChange={(e) => void act(() => api.call('documents.setWatched', { id: doc.id, watched: e.target.checked }))} /> {t('documents.watched')}
                    </label>
                  )}
                </Table.Td>
                <Table.Td>
                  <button className="danger" data-testid="document-remove" onClick={() => setRemoving(doc)}>
                    {t('documents.remove')}
                  </button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {workspaceId !== null && documents.length > 0 && <WorkspaceEntities workspaceId={workspaceId} extraction={Boolean(workspace?.graphExtraction)} />}
      <DocumentGraphDialog document={graphOf} onClose={() => setGraphOf(null)} />
      <RecordHistoryDialog workspaceId={workspaceId} docId={historyOf} onClose={() => setHistoryOf(null)} />
      <RecordsImportDialog opened={importingRecords} workspaceId={workspaceId} scope={scope} onClose={() => setImportingRecords(false)} onImported={() => void refresh()} />
      <ConfirmDialog
        opened={removing !== null}
        title={removing?.title ?? ''}
        text={t('documents.removeConfirm')}
        confirmLabel={t('documents.remove')}
        danger
        testId="document-remove-dialog"
        onClose={() => setRemoving(null)}
        onConfirm={() => {
          const doc = removing;
          setRemoving(null);
          if (doc) void act(() => api.call('documents.remove', { id: doc.id }));
        }}
      />
    </div>
  );
}
