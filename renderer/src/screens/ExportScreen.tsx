import { Alert, Button, Card, Checkbox, Group, NativeSelect, NumberInput, Progress, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { preferenceFormatNames, sftFormatNames, type Dataset, type ExportFormat, type ExportResult, type ExportWarning } from '../../../shared/contract/entities.ts';
import { verdictRules, type VerdictRule } from '../../../shared/contract/reviews.ts';
import { api, describeError, newRequestId } from '../api.ts';
import { EntitySelect } from '../components/EntitySelect.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorText } from '../components/Field.tsx';
import { PathInput } from '../components/PathInput.tsx';
import { formatDate } from '../format.ts';
import { useApp } from '../store.ts';

type Code = 1 | 2 | 3;

const isPreference = (format: ExportFormat) => (preferenceFormatNames as readonly string[]).includes(format);

/** One line per manifest warning, in the reader's language. */
function warningText(t: ReturnType<typeof useTranslation>['t'], warning: ExportWarning): string {
  switch (warning.code) {
    case 'MLX_SPLIT_BELOW_BATCH_SIZE':
      return t('export.warnings.mlxBatch', { split: warning.split, rows: warning.rows, batchSize: warning.batchSize, suggested: warning.suggestedBatchSize });
    case 'ACTIVE_REVERIFICATION_EXCLUDED':
      return t('export.warnings.reverification', { count: warning.count });
    case 'DUPLICATE_QUESTIONS_COLLAPSED':
      return t('export.warnings.duplicates', { count: warning.count });
    case 'EXAMPLES_TOO_LONG':
      return t(warning.skipped ? 'export.warnings.tooLongSkipped' : 'export.warnings.tooLong', { count: warning.count, limit: warning.contextLength });
  }
}

export function ExportScreen() {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  const [format, setFormat] = useState<ExportFormat>('mlx');
  const [name, setName] = useState(`dataset-${new Date().toISOString().slice(0, 10)}`);
  const [outDir, setOutDir] = useState('');
  const [workspaceId, setWorkspaceId] = useState<number | null>(null);
  const [modelId, setModelId] = useState<number | null>(null);
  const [evaluations, setEvaluations] = useState<Code[]>([1, 2, 3]);
  const [priorities, setPriorities] = useState<Code[]>([1, 2, 3]);
  const [statuses, setStatuses] = useState<Code[]>([1]);
  /** For answers several evaluators judged: the final (or agreed) verdict, or the majority. */
  const [verdictRule, setVerdictRule] = useState<VerdictRule>('final');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [seed, setSeed] = useState(42);
  const [validRatio, setValidRatio] = useState(0.1);
  const [testRatio, setTestRatio] = useState(0);
  const [includeContext, setIncludeContext] = useState(false);
  const [includeActiveReverification, setIncludeActiveReverification] = useState(false);
  const [dedupeQuestions, setDedupeQuestions] = useState(true);
  const [lengthCheckModelId, setLengthCheckModelId] = useState<number | null>(null);
  const [skipTooLong, setSkipTooLong] = useState(false);
  const [fromEvaluations, setFromEvaluations] = useState(true);
  const [fromAb, setFromAb] = useState(true);
  const [job, setJob] = useState<{ id: string; progress: number } | null>(null);
  const [result, setResult] = useState<ExportResult | null>(null);
  const [datasets, setDatasets] = useState<Dataset[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = () => api.call('datasets.list', {}).then(setDatasets, (caught: unknown) => setError(describeError(caught)));
  useEffect(() => {
    void refresh();
    return api.on('job.progress', ({ jobId, progress }) => setJob((current) => (current && current.id === jobId ? { ...current, progress } : current)));
  }, []);

  const run = async () => {
    const id = newRequestId();
    setJob({ id, progress: 0 });
    setError(null);
    setResult(null);
    try {
      const exported = await api.call('export.run', {
        format,
        name: name.trim(),
        ...(outDir.trim() && { outDir: outDir.trim() }),
        seed,
        validRatio,
        testRatio,
        includeContext,
        includeActiveReverification,
        dedupeQuestions,
        verdictRule,
        ...(lengthCheckModelId !== null && { lengthCheckModelId, skipTooLong }),
        ...(isPreference(format) && { preferenceSources: [...(fromEvaluations ? (['evaluations'] as const) : []), ...(fromAb ? (['ab'] as const) : [])] }),
        jobId: id,
        filters: {
          ...(workspaceId !== null && { workspaceId }),
          ...(modelId !== null && { modelId }),
          ...(evaluations.length < 3 && evaluations.length > 0 && { evaluations }),
          // Priorities exist only on 2/3 verdicts: filtering by them drops the 1s.
          ...(priorities.length < 3 && priorities.length > 0 && { priorities }),
          ...(statuses.length < 3 && statuses.length > 0 && { statuses }),
          ...(from && { from }),
          ...(to && { to }),
        },
      });
      setResult(exported);
      void refresh();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setJob(null);
    }
  };

  const [confirmingMark, setConfirmingMark] = useState<Dataset | null>(null);
  const markTrained = async (dataset: Dataset) => {
    setConfirmingMark(null);
    try {
      const { updated } = await api.call('export.markTrained', { datasetId: dataset.id });
      setNotice(t('export.marked', { count: updated }));
      void refresh();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  // Verdicts keep their number (it is the key that judges); priorities and statuses read by name.
  const codes = (label: string, values: Code[], set: (v: Code[]) => void, names: (c: Code) => string, testId: string, withNumber = false) => (
    <Checkbox.Group label={label} value={values.map(String)} onChange={(picked) => set(picked.map((v) => Number(v) as Code).sort())} data-testid={testId}>
      <Stack gap={4} mt={4}>
        {([1, 2, 3] as const).map((code) => (
          <Checkbox key={code} value={String(code)} label={`${withNumber ? `${code} · ` : ''}${names(code)}`} />
        ))}
      </Stack>
    </Checkbox.Group>
  );

  return (
    <Stack maw={1100} gap="md">
      <Title order={2}>{t('export.title')}</Title>
      <Card withBorder padding="lg">
        <NativeSelect
          label={t('export.format')}
          data-testid="export-format"
          value={format}
          onChange={(e) => setFormat(e.currentTarget.value as ExportFormat)}
          data={[
            { group: t('export.formatGroups.sft'), items: sftFormatNames.map((value) => ({ value, label: t(`export.formats.${value}`) })) },
            { group: t('export.formatGroups.preference'), items: preferenceFormatNames.map((value) => ({ value, label: t(`export.formats.${value}`) })) },
          ]}
        />
        {isPreference(format) && (
          <Group mt="xs" gap="lg" data-testid="export-preference-sources">
            <Checkbox label={t(format === 'trl-kto' ? 'export.ktoFromEvaluations' : 'export.preferenceFromEvaluations')} checked={fromEvaluations} onChange={(e) => setFromEvaluations(e.currentTarget.checked)} />
            <Checkbox label={t(format === 'trl-kto' ? 'export.ktoFromAb' : 'export.preferenceFromAb')} checked={fromAb} onChange={(e) => setFromAb(e.currentTarget.checked)} />
          </Group>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" mt="sm">
          <TextInput label={t('export.name')} data-testid="export-name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <PathInput label={t('export.outDir')} kind="folder" value={outDir} onChange={setOutDir} testId="export-out-dir" />
        </SimpleGrid>
        <Title order={4} mt="lg" mb="xs">
          {t('export.filters')}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <EntitySelect kind="workspace" label={t('chat.workspace')} anyLabel={t('common.all')} value={workspaceId} onChange={setWorkspaceId} />
          <EntitySelect kind="model" label={t('chat.model')} anyLabel={t('common.all')} value={modelId} onChange={setModelId} />
          <TextInput type="date" label={t('logs.from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          <TextInput type="date" label={t('logs.to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </SimpleGrid>
        <NativeSelect
          mt="sm"
          maw={640}
          label={t('export.verdictRule')}
          description={t('export.verdictRuleHint')}
          data-testid="export-verdict-rule"
          value={verdictRule}
          onChange={(e) => setVerdictRule(e.currentTarget.value as VerdictRule)}
          data={verdictRules.map((rule) => ({ value: rule, label: t(`export.verdictRules.${rule}`) }))}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm" mt="sm">
          {codes(t('export.evaluations'), evaluations, setEvaluations, (c) => t(['', 'eval.good', 'eval.insufficient', 'eval.wrong'][c]!), 'export-evaluations', true)}
          {codes(t('export.priorities'), priorities, setPriorities, (c) => t(`eval.priorities.${c}`), 'export-priorities')}
          {codes(t('export.statuses'), statuses, setStatuses, (c) => t(`eval.statuses.${c}`), 'export-statuses')}
        </SimpleGrid>
        <Title order={4} mt="lg" mb="xs">
          {t('export.split')}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <NumberInput label={t('export.seed')} allowDecimal={false} min={0} value={seed} onChange={(v) => v !== '' && setSeed(Number(v))} />
          <NumberInput label={t('export.validRatio')} step={0.05} min={0.01} max={0.5} decimalScale={2} value={validRatio} onChange={(v) => v !== '' && setValidRatio(Number(v))} />
          <NumberInput label={t('export.testRatio')} step={0.05} min={0} max={0.5} decimalScale={2} value={testRatio} onChange={(v) => v !== '' && setTestRatio(Number(v))} />
        </SimpleGrid>
        <Checkbox mt="md" label={t('export.includeContext')} checked={includeContext} onChange={(e) => setIncludeContext(e.currentTarget.checked)} />
        <Title order={4} mt="lg" mb="xs">
          {t('export.guards')}
        </Title>
        <Stack gap="xs">
          <Checkbox label={t('export.includeActiveReverification')} checked={includeActiveReverification} onChange={(e) => setIncludeActiveReverification(e.currentTarget.checked)} data-testid="export-include-reverification" />
          <Checkbox label={t('export.dedupeQuestions')} checked={dedupeQuestions} onChange={(e) => setDedupeQuestions(e.currentTarget.checked)} data-testid="export-dedupe" />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <EntitySelect kind="model" label={t('export.lengthCheckModel')} anyLabel={t('export.noLengthCheck')} value={lengthCheckModelId} onChange={setLengthCheckModelId} />
            <Checkbox mt="lg" label={t('export.skipTooLong')} disabled={lengthCheckModelId === null} checked={skipTooLong} onChange={(e) => setSkipTooLong(e.currentTarget.checked)} />
          </SimpleGrid>
        </Stack>
        <Group mt="md">
          {job ? (
            <>
              <Progress value={job.progress * 100} w={240} data-testid="export-progress" aria-label={t('export.running', { percent: Math.round(job.progress * 100) })} />
              <Text size="sm">{t('export.running', { percent: Math.round(job.progress * 100) })}</Text>
              <Button variant="default" onClick={() => void api.call('jobs.cancel', { jobId: job.id })}>
                {t('common.cancel')}
              </Button>
            </>
          ) : (
            <Button data-testid="export-run" disabled={name.trim() === '' || (isPreference(format) && !fromEvaluations && !fromAb)} onClick={() => void run()}>
              {t('export.run')}
            </Button>
          )}
        </Group>
      </Card>
      <ErrorText error={error} testId="export-error" />
      {notice && <p className="notice">{notice}</p>}
      {result && (
        <Card withBorder padding="md" data-testid="export-result">
          <p className="notice">{t('export.done', { count: result.manifest.counts.total, dir: result.outDir })}</p>
          {(result.manifest.warnings ?? []).map((warning, i) => (
            <Alert key={`${warning.code}-${i}`} color="yellow" mb="xs" data-testid="export-warning">
              {warningText(t, warning)}
            </Alert>
          ))}
          <dl className="facts">
            <dt>{t('export.perSplit')}</dt>
            <dd data-testid="export-splits">{Object.entries(result.manifest.counts.perSplit).map(([split, n]) => `${split} ${n}`).join(' · ')}</dd>
            <dt>{t('export.perEvaluation')}</dt>
            <dd>{Object.entries(result.manifest.counts.perEvaluation).map(([verdict, n]) => `${verdict}: ${n}`).join(' · ')}</dd>
            <dt>{t('export.skipped')}</dt>
            <dd>
              {result.manifest.skipped.total}
              {result.manifest.skipped.total > 0 && ` (${Object.entries(result.manifest.skipped.reasons).map(([reason, n]) => `${reason} ${n}`).join(', ')})`}
            </dd>
            {result.manifest.counts.perSource && (
              <>
                <dt>{t('export.perSource')}</dt>
                <dd>{t('export.perSourceValue', { evaluations: result.manifest.counts.perSource.evaluations, ab: result.manifest.counts.perSource.ab })}</dd>
              </>
            )}
            {result.manifest.guards?.verdicts && (
              <>
                <dt>{t('export.verdictRule')}</dt>
                <dd data-testid="export-verdicts">
                  {t('export.verdictSummary', { rule: t(`export.verdictRules.${result.manifest.guards.verdicts.rule}`), several: result.manifest.guards.verdicts.severalEvaluators, adjudicated: result.manifest.guards.verdicts.adjudicated, excluded: result.manifest.guards.verdicts.excluded })}
                </dd>
              </>
            )}
            {result.manifest.guards?.length && (
              <>
                <dt>{t('export.lengthChecked')}</dt>
                <dd data-testid="export-length">
                  {t('export.lengthSummary', { checked: result.manifest.guards.length.checked, tooLong: result.manifest.guards.length.tooLong, longest: result.manifest.guards.length.longestTokens, limit: result.manifest.guards.length.contextLength })}
                </dd>
              </>
            )}
            <dt>{t('export.files')}</dt>
            <dd>
              {result.manifest.files.map((file) => (
                <div key={file.name} className="path">
                  {file.name} · {file.rows} · sha256 {file.sha256.slice(0, 16)}…
                </div>
              ))}
            </dd>
          </dl>
        </Card>
      )}
      <Title order={3}>{t('export.datasets')}</Title>
      {datasets.length > 0 && (
        <Table withTableBorder striped data-testid="datasets">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>#</Table.Th>
              <Table.Th>{t('export.name')}</Table.Th>
              <Table.Th>{t('export.format')}</Table.Th>
              <Table.Th>{t('export.examples')}</Table.Th>
              <Table.Th>{t('export.folder')}</Table.Th>
              <Table.Th>{t('export.created')}</Table.Th>
              <Table.Th>{t('export.training')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {datasets.map((dataset) => (
              <Table.Tr key={dataset.id}>
                <Table.Td>{dataset.id}</Table.Td>
                <Table.Td>{dataset.name}</Table.Td>
                <Table.Td>{dataset.format}</Table.Td>
                <Table.Td>{dataset.exampleCount.toLocaleString(language)}</Table.Td>
                <Table.Td className="path">{dataset.outDir}</Table.Td>
                <Table.Td>{formatDate(dataset.createdAt, language)}</Table.Td>
                <Table.Td>
                  {dataset.markedTrainedAt ? (
                    <span className="muted">
                      {t('export.trainedAt')} {formatDate(dataset.markedTrainedAt, language)}
                    </span>
                  ) : (
                    <Button size="xs" variant="default" onClick={() => setConfirmingMark(dataset)}>
                      {t('export.markTrained')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmDialog
        opened={confirmingMark !== null}
        title={confirmingMark?.name ?? ''}
        text={t('export.markConfirm')}
        confirmLabel={t('export.markTrained')}
        testId="mark-trained-dialog"
        onClose={() => setConfirmingMark(null)}
        onConfirm={() => confirmingMark && void markTrained(confirmingMark)}
      />
    </Stack>
  );
}
