import { Badge, Button, Card, Checkbox, Group, Modal, NativeSelect, NumberInput, Progress, Radio, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { IconFileExport, IconFileImport, IconGavel, IconPackage, IconPlus } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput } from '../../../../shared/contract/api.ts';
import type { LogDetail } from '../../../../shared/contract/entities.ts';
import type { WorkspaceMember } from '../../../../shared/contract/people.ts';
import type { BatchRun } from '../../../../shared/contract/reverify.ts';
import type { AgreementReport, QueueEntry, ReviewQueue } from '../../../../shared/contract/reviews.ts';
import { LogFilterFields, usePromptVersions } from '../../components/LogFilterFields.tsx';
import { api, describeError } from '../../api.ts';
import { EntitySelect } from '../../components/EntitySelect.tsx';
import { EvaluationPanel, type EvaluationPanelHandle } from '../../components/EvaluationPanel.tsx';
import { ErrorText } from '../../components/Field.tsx';
import { PathInput } from '../../components/PathInput.tsx';
import { versionLabel } from '../../components/version-label.ts';
import { formatDate } from '../../format.ts';
import { isComposing, isTypingTarget } from '../../keyboard.ts';
import { useApp } from '../../store.ts';
import { HiddenVerdictsNote } from './HiddenVerdictsNote.tsx';

type Mine = { queue: ReviewQueue; entries: QueueEntry[]; done: number; total: number };
/** What the agreement panel measures: the selected queue, a batch run, or the whole workspace. */
type AgreementScope = 'queue' | 'run' | 'workspace';
/** The log browser's filters, as a queue takes them (the workspace is the queue's). */
type QueueFilters = NonNullable<NonNullable<MethodInput<'reviews.createQueue'>['scope']>['filters']>;

const numberOrUndefined = (value: string) => (value === '' ? undefined : Number(value));

/**
 * Several evaluators per answer (issue 14): queues of a workspace with each evaluator's progress;
 * a lead creates queues, exports packs, imports results and settles disagreements; an evaluator
 * works through their own part of a queue here, with the same keyboard judging as the log browser.
 */
export function ReviewsScreen() {
  const { t } = useTranslation();
  const { workspaces, user, language } = useApp();
  const canManage = user?.role === 'admin' || user?.role === 'manager';
  const [workspaceId, setWorkspaceId] = useState<number | null>(workspaces[0]?.id ?? null);
  const [queues, setQueues] = useState<ReviewQueue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const [opening, setOpening] = useState(false);
  const [queueId, setQueueId] = useState<number | null>(null);
  const [mine, setMine] = useState<Mine | null>(null);
  const [agreement, setAgreement] = useState<AgreementReport | null>(null);
  const [agreementScope, setAgreementScope] = useState<AgreementScope>('queue');
  const [agreementRunId, setAgreementRunId] = useState<number | null>(null);
  const [runs, setRuns] = useState<BatchRun[]>([]);
  const [adjudicating, setAdjudicating] = useState<AgreementReport['disagreements'][number] | null>(null);

  const reload = useCallback(async () => {
    if (workspaceId === null) return;
    setError(null);
    try {
      const list = await api.call('reviews.queues', { workspaceId });
      setQueues(list);
      setQueueId((current) => (current !== null && list.some((queue) => queue.id === current) ? current : (list[0]?.id ?? null)));
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [workspaceId]);
  useEffect(() => {
    void reload();
  }, [reload]);

  // The runs a lead can measure agreement over.
  useEffect(() => {
    if (!canManage || workspaceId === null) return setRuns([]);
    let cancelled = false;
    api.call('runs.list', { workspaceId }).then(
      (list) => !cancelled && setRuns(list),
      () => !cancelled && setRuns([]),
    );
    return () => {
      cancelled = true;
    };
  }, [workspaceId, canManage]);

  const loadQueue = useCallback(async () => {
    if (workspaceId === null) {
      setMine(null);
      setAgreement(null);
      return;
    }
    // Agreement per queue, per run or over the whole workspace (issue 14).
    const agreementInput: MethodInput<'reviews.agreement'> | null = !canManage
      ? null
      : agreementScope === 'workspace'
        ? { workspaceId }
        : agreementScope === 'run'
          ? agreementRunId === null
            ? null
            : { workspaceId, runId: agreementRunId }
          : queueId === null
            ? null
            : { workspaceId, queueId };
    // A lead need not be an evaluator of the queue: their own part may be empty or refused.
    const [own, report] = await Promise.allSettled([queueId === null ? Promise.resolve(null) : api.call('reviews.myQueue', { queueId }), agreementInput ? api.call('reviews.agreement', agreementInput) : Promise.resolve(null)]);
    setMine(own.status === 'fulfilled' ? own.value : null);
    if (report.status === 'fulfilled') setAgreement(report.value);
    else setError(describeError(report.reason));
    if (own.status === 'rejected' && !canManage) setError(describeError(own.reason));
  }, [queueId, workspaceId, canManage, agreementScope, agreementRunId]);
  useEffect(() => {
    void loadQueue();
  }, [loadQueue]);

  const refreshAll = async () => {
    await reload();
    await loadQueue();
  };

  const exportPack = async (queue: ReviewQueue, evaluatorId: number) => {
    setError(null);
    try {
      const result = await api.call('packs.export', { queueId: queue.id, evaluatorId });
      setNotice(t('reviews.packWritten', { count: result.items, path: result.path }));
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const exportResults = async () => {
    if (workspaceId === null) return;
    setError(null);
    try {
      const result = await api.call('packs.exportResults', { workspaceId });
      setNotice(t('reviews.resultsWritten', { judged: result.judged, items: result.items, path: result.path }));
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const current = queues.find((queue) => queue.id === queueId) ?? null;

  return (
    <Stack gap="md" maw={1280} data-testid="reviews-screen">
      <Group justify="space-between" align="flex-end">
        <Title order={2}>{t('reviews.title')}</Title>
        <Group gap="xs" align="flex-end">
          <NativeSelect
            label={t('chat.workspace')}
            data-testid="reviews-workspace"
            value={workspaceId === null ? '' : String(workspaceId)}
            onChange={(e) => {
              const next = e.currentTarget.value === '' ? null : Number(e.currentTarget.value);
              if (next === workspaceId) return;
              setWorkspaceId(next);
              setQueueId(null);
              setAgreementRunId(null);
              setNotice(null);
            }}
            data={workspaces.length ? workspaces.map((workspace) => ({ value: String(workspace.id), label: workspace.name })) : [{ value: '', label: t('reviews.noWorkspace') }]}
          />
          {canManage && workspaceId !== null && (
            <>
              <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="queue-new">
                {t('reviews.newQueue')}
              </Button>
              <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => setImporting(true)} data-testid="results-import">
                {t('reviews.importResults')}
              </Button>
            </>
          )}
          <Button variant="default" leftSection={<IconPackage size={16} />} onClick={() => setOpening(true)} data-testid="pack-open">
            {t('reviews.openPack')}
          </Button>
          {workspaceId !== null && (
            <Button variant="default" leftSection={<IconFileExport size={16} />} onClick={() => void exportResults()} data-testid="results-export">
              {t('reviews.exportResults')}
            </Button>
          )}
        </Group>
      </Group>
      <ErrorText error={error} testId="reviews-error" />
      {notice && (
        <Text c="teal" size="sm" className="notice" data-testid="reviews-notice" style={{ wordBreak: 'break-all' }}>
          {notice}
        </Text>
      )}

      <Card withBorder padding="sm">
        <Title order={4} mb="xs">
          {t('reviews.queues')}
        </Title>
        {queues.length === 0 ? (
          <Text c="dimmed" size="sm" data-testid="queues-empty">
            {t('reviews.noQueues')}
          </Text>
        ) : (
          <Table verticalSpacing={6} data-testid="queues-table" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('reviews.name')}</Table.Th>
                <Table.Th>{t('reviews.items')}</Table.Th>
                <Table.Th>{t('reviews.progress')}</Table.Th>
                <Table.Th>{t('reviews.created')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {queues.map((queue) => (
                <Table.Tr key={queue.id} data-testid="queue-row" data-queue-id={queue.id} data-active={queue.id === queueId} onClick={() => setQueueId(queue.id)} style={{ cursor: 'pointer', verticalAlign: 'top', background: queue.id === queueId ? 'var(--mantine-color-blue-light)' : undefined }}>
                  <Table.Td>
                    <Text fw={600} size="sm">
                      {queue.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t('reviews.perItem', { count: queue.evaluatorsPerItem })}
                    </Text>
                  </Table.Td>
                  <Table.Td>{queue.items}</Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      {queue.progress.map((item) => (
                        <Group key={item.evaluatorId} gap="xs" wrap="nowrap" data-testid="queue-progress" data-evaluator={item.username}>
                          <Text size="sm" miw={140}>
                            {item.displayName}
                          </Text>
                          <Progress value={item.assigned ? (100 * item.done) / item.assigned : 0} w={120} size="sm" />
                          <Text size="sm" data-testid="queue-progress-count">
                            {t('reviews.nOfM', { done: item.done, total: item.assigned })}
                          </Text>
                          {canManage && (
                            <Button
                              size="compact-xs"
                              variant="subtle"
                              onClick={(event) => {
                                event.stopPropagation();
                                void exportPack(queue, item.evaluatorId);
                              }}
                              data-testid="pack-export"
                            >
                              {t('reviews.exportPack')}
                            </Button>
                          )}
                        </Group>
                      ))}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDate(queue.createdAt, language)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>

      {current && mine && mine.total > 0 && <MyQueue mine={mine} onChanged={() => void refreshAll()} />}
      {canManage && workspaceId !== null && (
        <AgreementPanel
          report={agreement}
          scope={agreementScope}
          onScope={setAgreementScope}
          runs={runs}
          runId={agreementRunId}
          onRunId={setAgreementRunId}
          emptyText={agreementScope === 'run' ? t('reviews.pickRun') : t('reviews.noQueues')}
          onAdjudicate={setAdjudicating}
        />
      )}

      {creating && workspaceId !== null && (
        <NewQueueDialog
          workspaceId={workspaceId}
          onClose={() => setCreating(false)}
          onCreated={(queue) => {
            setCreating(false);
            setQueueId(queue.id);
            setNotice(t('reviews.createdQueue', { name: queue.name }));
            void reload();
          }}
        />
      )}
      {importing && (
        <PathDialog
          title={t('reviews.importResults')}
          label={t('reviews.resultFile')}
          testId="import-dialog"
          onClose={() => setImporting(false)}
          onSubmit={async (path) => {
            const result = await api.call('packs.importResults', { path });
            setImporting(false);
            setNotice(result.alreadyImported ? t('reviews.alreadyImported') : t('reviews.imported', { imported: result.imported, unchanged: result.unchanged, older: result.olderThanStored }));
            await refreshAll();
          }}
        />
      )}
      {opening && (
        <PathDialog
          title={t('reviews.openPack')}
          label={t('reviews.packFile')}
          testId="open-pack-dialog"
          onClose={() => setOpening(false)}
          onSubmit={async (path) => {
            const result = await api.call('packs.open', { path });
            setOpening(false);
            await useApp.getState().refreshWorkspaces();
            setWorkspaceId(result.workspaceId);
            setNotice(result.alreadyOpen ? t('reviews.packAlreadyOpen') : t('reviews.packOpened', { count: result.items }));
          }}
        />
      )}
      {adjudicating && (
        <AdjudicateDialog
          item={adjudicating}
          onClose={() => setAdjudicating(null)}
          onDone={() => {
            setAdjudicating(null);
            void loadQueue();
          }}
        />
      )}
    </Stack>
  );
}

function MyQueue({ mine, onChanged }: { mine: Mine; onChanged: () => void }) {
  const { t } = useTranslation();
  const { user } = useApp();
  const [detail, setDetail] = useState<LogDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const panel = useRef<EvaluationPanelHandle>(null);

  const open = async (logId: number) => {
    setError(null);
    try {
      setDetail(await api.call('logs.get', { id: logId }));
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (isComposing(event) || isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (detail && (event.key === '1' || event.key === '2' || event.key === '3')) {
      event.preventDefault();
      panel.current?.choose(Number(event.key) as 1 | 2 | 3);
    }
  };

  /** Like the log browser: after a save, the next answer of the queue not judged yet. */
  const afterSave = async (logId: number) => {
    onChanged();
    const at = mine.entries.findIndex((entry) => entry.logId === logId);
    const next = [...mine.entries.slice(at + 1), ...mine.entries.slice(0, Math.max(at, 0))].find((entry) => !entry.done && entry.logId !== logId);
    await open(next?.logId ?? logId);
  };

  return (
    <Card withBorder padding="sm" data-testid="my-queue" onKeyDown={onKeyDown} tabIndex={-1}>
      <Group justify="space-between" mb="xs">
        <Title order={4}>{t('reviews.myQueue', { name: mine.queue.name })}</Title>
        <Badge size="lg" tt="none" variant="light" data-testid="my-queue-progress">
          {t('reviews.nOfMDone', { done: mine.done, total: mine.total })}
        </Badge>
      </Group>
      <ErrorText error={error} />
      <div style={{ display: 'grid', gridTemplateColumns: 'minmax(260px, 1fr) 2fr', gap: 12 }}>
        <Stack gap={2} style={{ maxHeight: 520, overflowY: 'auto' }}>
          {mine.entries.map((entry, index) => (
            <button key={entry.logId} className={detail?.log.id === entry.logId ? 'log-row active' : 'log-row'} style={{ position: 'static', minHeight: 44 }} onClick={() => void open(entry.logId)} data-testid="queue-entry" data-log-id={entry.logId} data-done={entry.done}>
              <span className={`verdict-dot ${entry.done ? 'v1' : 'v0'}`}>{entry.done ? '✓' : index + 1}</span>
              <span className="log-text">
                <strong>{entry.question}</strong>
                <span className="muted">{entry.done ? t('reviews.done') : t('reviews.todo')}</span>
              </span>
            </button>
          ))}
        </Stack>
        {!detail && <Text c="dimmed">{t('reviews.pickEntry')}</Text>}
        {detail && (
          <div className="log-detail" data-testid="queue-entry-detail" style={{ position: 'static' }}>
            <h4>{t('logs.question')}</h4>
            <div className="question">{detail.log.question}</div>
            <h4>{t('logs.answer')}</h4>
            <div className="answer">{detail.log.answer}</div>
            <HiddenVerdictsNote count={detail.hiddenEvaluations} />
            <EvaluationPanel ref={panel} log={detail.log} autoFocus existing={detail.evaluations.find((e) => e.evaluatorId === user?.id) ?? null} onSaved={() => void afterSave(detail.log.id)} />
          </div>
        )}
      </div>
    </Card>
  );
}

interface AgreementPanelProps {
  /** Null while there is nothing to measure (no queue selected, no run picked). */
  report: AgreementReport | null;
  scope: AgreementScope;
  onScope: (scope: AgreementScope) => void;
  runs: BatchRun[];
  runId: number | null;
  onRunId: (runId: number | null) => void;
  emptyText: string;
  onAdjudicate: (item: AgreementReport['disagreements'][number]) => void;
}

function AgreementPanel({ report, scope, onScope, runs, runId, onRunId, emptyText, onAdjudicate }: AgreementPanelProps) {
  const { t, i18n } = useTranslation();
  const number = (value: number | null) => (value === null ? '–' : value.toLocaleString(i18n.language, { maximumFractionDigits: 3, minimumFractionDigits: 2 }));
  return (
    <Card withBorder padding="sm" data-testid="agreement-panel">
      <Group justify="space-between" align="flex-end" mb="xs">
        <Title order={4}>{t('reviews.agreement.title')}</Title>
        <Group gap="xs" align="flex-end">
          <NativeSelect
            size="xs"
            label={t('reviews.agreement.scope')}
            value={scope}
            onChange={(e) => onScope(e.currentTarget.value as AgreementScope)}
            data={(['queue', 'run', 'workspace'] as const).map((value) => ({ value, label: t(`reviews.agreement.scope${value === 'queue' ? 'Queue' : value === 'run' ? 'Run' : 'Workspace'}`) }))}
            data-testid="agreement-scope"
          />
          {scope === 'run' && (
            <NativeSelect
              size="xs"
              value={runId === null ? '' : String(runId)}
              onChange={(e) => onRunId(numberOrUndefined(e.currentTarget.value) ?? null)}
              data={[{ value: '', label: runs.length ? t('reviews.pickRun') : t('reviews.noRuns') }, ...runs.map((run) => ({ value: String(run.id), label: `#${run.id} ${run.setName} · ${versionLabel(t, run)}` }))]}
              data-testid="agreement-run"
              aria-label={t('reviews.agreement.scopeRun')}
            />
          )}
        </Group>
      </Group>
      {report === null ? (
        <Text size="sm" c="dimmed" data-testid="agreement-empty">
          {emptyText}
        </Text>
      ) : (
        <AgreementFigures report={report} number={number} onAdjudicate={onAdjudicate} />
      )}
    </Card>
  );
}

function AgreementFigures({ report, number, onAdjudicate }: { report: AgreementReport; number: (value: number | null) => string; onAdjudicate: AgreementPanelProps['onAdjudicate'] }) {
  const { t } = useTranslation();
  return (
    <>
      <Group gap="xl" mb="sm">
        <div>
          <Text size="xs" c="dimmed">
            {t('reviews.agreement.alpha')}
          </Text>
          <Text size="xl" fw={700} data-testid="agreement-alpha">
            {number(report.alpha)}
          </Text>
        </div>
        <Text size="sm" data-testid="agreement-summary">
          {t('reviews.agreement.summary', { items: report.items, judged: report.judgedItems, evaluators: report.evaluators, adjudicated: report.adjudicated })}
        </Text>
      </Group>
      {report.pairs.length > 0 && (
        <Table withTableBorder verticalSpacing={4} data-testid="kappa-table" mb="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('reviews.agreement.pair')}</Table.Th>
              <Table.Th>{t('reviews.agreement.kappa')}</Table.Th>
              <Table.Th>{t('reviews.agreement.pairItems')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.pairs.map((pair) => (
              <Table.Tr key={`${pair.first.id}-${pair.second.id}`} data-testid="kappa-row">
                <Table.Td>
                  {pair.first.name} · {pair.second.name}
                </Table.Td>
                <Table.Td>{number(pair.kappa)}</Table.Td>
                <Table.Td>{pair.items}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Title order={5} mb={4}>
        {t('reviews.agreement.disagreements', { count: report.disagreements.length })}
      </Title>
      {report.disagreements.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="disagreements-empty">
          {t('reviews.agreement.none')}
        </Text>
      ) : (
        <Table verticalSpacing={4} data-testid="disagreements-table">
          <Table.Tbody>
            {report.disagreements.map((item) => (
              <Table.Tr key={item.logId} data-testid="disagreement-row" data-log-id={item.logId} style={{ verticalAlign: 'top' }}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    #{item.logId} {item.question}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {item.verdicts.map((verdict) => (
                      <Badge key={verdict.evaluatorId} tt="none" variant="light" color={verdict.verdict === 1 ? 'teal' : verdict.verdict === 2 ? 'yellow' : 'red'} data-testid="disagreement-verdict">
                        {verdict.name}: {verdict.verdict}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td data-testid="final-verdict">{item.finalVerdict === null ? <Text size="sm" c="dimmed">{t('reviews.agreement.open')}</Text> : <Badge tt="none" data-verdict={item.finalVerdict}>{t('reviews.agreement.final', { verdict: item.finalVerdict })}</Badge>}</Table.Td>
                <Table.Td>
                  <Button size="compact-sm" variant="default" leftSection={<IconGavel size={14} />} onClick={() => onAdjudicate(item)} data-testid="adjudicate">
                    {t('reviews.adjudicate.action')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}

function AdjudicateDialog({ item, onClose, onDone }: { item: AgreementReport['disagreements'][number]; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [verdict, setVerdict] = useState<string>(String(item.finalVerdict ?? ''));
  const [correction, setCorrection] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.call('reviews.adjudicate', { logId: item.logId, evaluation: Number(verdict) as 1 | 2 | 3, reason: reason || null, correctAnswer: correction || null });
      onDone();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={t('reviews.adjudicate.title', { id: item.logId })} size="lg" data-testid="adjudicate-dialog">
      <Stack gap="sm">
        <Text size="sm">{item.question}</Text>
        <Radio.Group label={t('reviews.adjudicate.verdict')} value={verdict} onChange={setVerdict}>
          <Group mt={4}>
            <Radio value="1" label={`1 · ${t('eval.good')}`} data-testid="adjudicate-verdict-1" />
            <Radio value="2" label={`2 · ${t('eval.insufficient')}`} data-testid="adjudicate-verdict-2" />
            <Radio value="3" label={`3 · ${t('eval.wrong')}`} data-testid="adjudicate-verdict-3" />
          </Group>
        </Radio.Group>
        <Textarea label={t('eval.correctAnswer')} autosize minRows={3} value={correction} onChange={(e) => setCorrection(e.currentTarget.value)} data-testid="adjudicate-correction" />
        <TextInput label={t('eval.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid="adjudicate-reason" />
        <ErrorText error={error} testId="adjudicate-error" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={busy} disabled={verdict === ''} onClick={() => void submit()} data-testid="adjudicate-save">
            {t('reviews.adjudicate.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function NewQueueDialog({ workspaceId, onClose, onCreated }: { workspaceId: number; onClose: () => void; onCreated: (queue: ReviewQueue) => void }) {
  const { t } = useTranslation();
  const [members, setMembers] = useState<WorkspaceMember[]>([]);
  const [runs, setRuns] = useState<BatchRun[]>([]);
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<number[]>([]);
  const [perItem, setPerItem] = useState(1);
  const [scope, setScope] = useState<'newest' | 'run' | 'filters'>('newest');
  const [limit, setLimit] = useState(100);
  const [runId, setRunId] = useState('');
  const [filters, setFilters] = useState<QueueFilters>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.call('workspaces.members', { workspaceId }).then(setMembers, (caught: unknown) => setError(describeError(caught)));
    api.call('runs.list', { workspaceId }).then(setRuns, () => {});
  }, [workspaceId]);
  const toggle = (id: number, on: boolean) => setPicked((current) => (on ? [...current, id] : current.filter((other) => other !== id)));
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const queue = await api.call('reviews.createQueue', {
        workspaceId,
        name,
        evaluatorIds: picked,
        evaluatorsPerItem: perItem,
        scope: scope === 'run' && runId !== '' ? { runId: Number(runId), limit: 100_000 } : scope === 'filters' ? { filters: withoutBlanks(filters), limit } : { limit },
      });
      onCreated(queue);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={t('reviews.newQueue')} size="lg" data-testid="queue-dialog">
      <Stack gap="sm">
        <TextInput label={t('reviews.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="queue-name" data-autofocus />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {t('reviews.evaluators')}
          </Text>
          {members.length === 0 && (
            <Text size="sm" c="dimmed">
              {t('reviews.noMembers')}
            </Text>
          )}
          {members.map((member) => (
            <Checkbox key={member.userId} label={`${member.displayName} (${member.username})`} checked={picked.includes(member.userId)} onChange={(e) => toggle(member.userId, e.currentTarget.checked)} data-testid="queue-evaluator" data-username={member.username} />
          ))}
        </Stack>
        <NumberInput label={t('reviews.evaluatorsPerItem')} min={1} max={20} allowDecimal={false} value={perItem} onChange={(value) => Number.isFinite(Number(value)) && value !== '' && setPerItem(Number(value))} data-testid="queue-per-item" />
        <Radio.Group label={t('reviews.scope')} value={scope} onChange={(value) => setScope(value as 'newest' | 'run' | 'filters')}>
          <Stack gap={6} mt={4}>
            <Group gap="xs">
              <Radio value="newest" label={t('reviews.scopeNewest')} data-testid="queue-scope-newest" />
              <NumberInput size="xs" w={110} min={1} max={100_000} allowDecimal={false} value={limit} onChange={(value) => Number.isFinite(Number(value)) && value !== '' && setLimit(Number(value))} disabled={scope === 'run'} data-testid="queue-limit" aria-label={t('reviews.scopeNewest')} />
            </Group>
            <Group gap="xs">
              <Radio value="run" label={t('reviews.scopeRun')} disabled={runs.length === 0} data-testid="queue-scope-run" />
              <NativeSelect
                size="xs"
                disabled={scope !== 'run'}
                value={runId}
                onChange={(e) => setRunId(e.currentTarget.value)}
                data={[{ value: '', label: runs.length ? t('reviews.pickRun') : t('reviews.noRuns') }, ...runs.map((run) => ({ value: String(run.id), label: `#${run.id} ${run.setName} · ${versionLabel(t, run)}` }))]}
                data-testid="queue-run"
                aria-label={t('reviews.scopeRun')}
              />
            </Group>
            <Radio value="filters" label={t('reviews.scopeFilters')} data-testid="queue-scope-filters" />
            {scope === 'filters' && <QueueFilterFields workspaceId={workspaceId} filters={filters} onChange={setFilters} />}
          </Stack>
        </Radio.Group>
        <ErrorText error={error} testId="queue-error" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={busy} disabled={name.trim() === '' || picked.length === 0 || (scope === 'run' && runId === '')} onClick={() => void submit()} data-testid="queue-save">
            {t('reviews.create')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Empty choices left out, so the request carries only the filters that were set. */
function withoutBlanks(filters: QueueFilters): QueueFilters {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined && value !== '')) as QueueFilters;
}

/** The log browser's filters (the same fields and meaning), for the answers of a new queue. */
function QueueFilterFields({ workspaceId, filters, onChange }: { workspaceId: number; filters: QueueFilters; onChange: (filters: QueueFilters) => void }) {
  const { t } = useTranslation();
  const promptVersions = usePromptVersions(workspaceId);
  const set = <K extends keyof QueueFilters>(key: K, value: QueueFilters[K] | undefined) => onChange({ ...filters, [key]: value });
  return (
    <Stack gap={6} pl="lg" data-testid="queue-filters">
      <Text size="xs" c="dimmed">
        {t('reviews.filtersHint')}
      </Text>
      <Group gap="xs" align="flex-end" wrap="wrap">
        <EntitySelect kind="model" label={t('chat.model')} anyLabel={t('common.all')} value={filters.modelId ?? null} onChange={(id) => set('modelId', id ?? undefined)} testId="queue-filter-model" />
        <LogFilterFields filters={filters} set={set} promptVersions={promptVersions} testIdPrefix="queue-filter" />
        <TextInput label={t('logs.search')} data-testid="queue-filter-text" value={filters.text ?? ''} onChange={(e) => set('text', e.currentTarget.value || undefined)} />
      </Group>
    </Stack>
  );
}

function PathDialog({ title, label, testId, onClose, onSubmit }: { title: string; label: string; testId: string; onClose: () => void; onSubmit: (path: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSubmit(path.trim());
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={title} size="lg" data-testid={testId}>
      <Stack gap="sm">
        <PathInput label={label} kind="file" extensions={['json']} value={path} onChange={setPath} testId={`${testId}-path`} />
        <ErrorText error={error} testId={`${testId}-error`} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={busy} disabled={path.trim() === ''} onClick={() => void submit()} data-testid={`${testId}-submit`}>
            {t('reviews.go')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
