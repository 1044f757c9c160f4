import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset, ExportFormat, ExportResult } from '../../../shared/contract/entities.ts';
import { api, describeError, newRequestId } from '../api.ts';
import { EntitySelect } from '../components/EntitySelect.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorText, Field } from '../components/Field.tsx';
import { PathInput } from '../components/PathInput.tsx';
import { formatDate } from '../format.ts';
import { useApp } from '../store.ts';

type Code = 1 | 2 | 3;

function toggle(list: Code[], value: Code): Code[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value].sort();
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
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [seed, setSeed] = useState(42);
  const [validRatio, setValidRatio] = useState(0.1);
  const [testRatio, setTestRatio] = useState(0);
  const [includeContext, setIncludeContext] = useState(false);
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
    <Field label={label}>
      <div className="checks" data-testid={testId}>
        {([1, 2, 3] as const).map((code) => (
          <label key={code} className="check">
            <input type="checkbox" checked={values.includes(code)} onChange={() => set(toggle(values, code))} /> {withNumber ? `${code} · ` : ''}
            {names(code)}
          </label>
        ))}
      </div>
    </Field>
  );

  return (
    <div className="page">
      <h2>{t('export.title')}</h2>
      <div className="form-grid">
        <Field label={t('export.format')} wide>
          <select data-testid="export-format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
            <option value="mlx">{t('export.formats.mlx')}</option>
            <option value="openai">{t('export.formats.openai')}</option>
          </select>
        </Field>
        <Field label={t('export.name')}>
          <input data-testid="export-name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <div className="field">
          <PathInput label={t('export.outDir')} kind="folder" value={outDir} onChange={setOutDir} testId="export-out-dir" />
        </div>
        <Field label={t('chat.workspace')}>
          <EntitySelect kind="workspace" anyLabel={t('common.all')} value={workspaceId} onChange={setWorkspaceId} />
        </Field>
        <Field label={t('chat.model')}>
          <EntitySelect kind="model" anyLabel={t('common.all')} value={modelId} onChange={setModelId} />
        </Field>
        {codes(t('export.evaluations'), evaluations, setEvaluations, (c) => t(['', 'eval.good', 'eval.insufficient', 'eval.wrong'][c]!), 'export-evaluations', true)}
        {codes(t('export.priorities'), priorities, setPriorities, (c) => t(`eval.priorities.${c}`), 'export-priorities')}
        {codes(t('export.statuses'), statuses, setStatuses, (c) => t(`eval.statuses.${c}`), 'export-statuses')}
        <Field label={t('logs.from')}>
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label={t('logs.to')}>
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
        <Field label={t('export.seed')}>
          <input type="number" value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
        </Field>
        <Field label={t('export.validRatio')}>
          <input type="number" step="0.05" min="0.01" max="0.5" value={validRatio} onChange={(e) => setValidRatio(Number(e.target.value))} />
        </Field>
        <Field label={t('export.testRatio')}>
          <input type="number" step="0.05" min="0" max="0.5" value={testRatio} onChange={(e) => setTestRatio(Number(e.target.value))} />
        </Field>
        <label className="check wide">
          <input type="checkbox" checked={includeContext} onChange={(e) => setIncludeContext(e.target.checked)} /> {t('export.includeContext')}
        </label>
      </div>
      <div className="actions">
        {job ? (
          <>
            <progress max={1} value={job.progress} data-testid="export-progress" />
            <span>{t('export.running', { percent: Math.round(job.progress * 100) })}</span>
            <button onClick={() => void api.call('jobs.cancel', { jobId: job.id })}>{t('common.cancel')}</button>
          </>
        ) : (
          <button className="primary" data-testid="export-run" disabled={name.trim() === ''} onClick={() => void run()}>
            {t('export.run')}
          </button>
        )}
      </div>
      <ErrorText error={error} testId="export-error" />
      {notice && <p className="notice">{notice}</p>}
      {result && (
        <section className="manifest" data-testid="export-result">
          <p className="notice">{t('export.done', { count: result.manifest.counts.total, dir: result.outDir })}</p>
          {(result.manifest.warnings ?? []).map((warning) => (
            <p key={warning.split} className="warning" data-testid="export-warning">
              {t('export.warnings.mlxBatch', { split: warning.split, rows: warning.rows, batchSize: warning.batchSize, suggested: warning.suggestedBatchSize })}
            </p>
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
            <dt>{t('export.files')}</dt>
            <dd>
              {result.manifest.files.map((file) => (
                <div key={file.name} className="path">
                  {file.name} · {file.rows} · sha256 {file.sha256.slice(0, 16)}…
                </div>
              ))}
            </dd>
          </dl>
        </section>
      )}
      <h3>{t('export.datasets')}</h3>
      <table className="table" data-testid="datasets">
        <tbody>
          {datasets.map((dataset) => (
            <tr key={dataset.id}>
              <td>#{dataset.id}</td>
              <td>{dataset.name}</td>
              <td>{dataset.format}</td>
              <td>{dataset.exampleCount}</td>
              <td className="path">{dataset.outDir}</td>
              <td>{formatDate(dataset.createdAt, language)}</td>
              <td>
                {dataset.markedTrainedAt ? (
                  <span className="muted">
                    {t('export.trainedAt')} {formatDate(dataset.markedTrainedAt, language)}
                  </span>
                ) : (
                  <button onClick={() => setConfirmingMark(dataset)}>{t('export.markTrained')}</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ConfirmDialog
        opened={confirmingMark !== null}
        title={confirmingMark?.name ?? ''}
        text={t('export.markConfirm')}
        confirmLabel={t('export.markTrained')}
        testId="mark-trained-dialog"
        onClose={() => setConfirmingMark(null)}
        onConfirm={() => confirmingMark && void markTrained(confirmingMark)}
      />
    </div>
  );
}
