import { Button, Group, Stack, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScoreBreakdownRow, ScoreCard } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { useVersionLabel } from '../../components/version-label.ts';
import { useApp } from '../../store.ts';
import { RunStatusBadge } from './badges.tsx';
import { percent } from './labels.ts';
import { ReportButton, ReportResultNotice, type ReportResult } from './ReportButton.tsx';
import { ScoreCharts } from './ScoreCharts.tsx';
import { countCells, ScoreTable, useCountHeaders } from './ScoreTable.tsx';

/** Counts and rates of 1/2/3 per version, run, priority, category and tag; A/B; the report. */
export function ScoreCardPanel({ workspaceId }: { workspaceId: number }) {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  const [card, setCard] = useState<ScoreCard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const counts = useCountHeaders();
  const versionLabel = useVersionLabel();
  /** Breakdown rows: the version, and the run (or all of the version's answers in this workspace). */
  const scopeHeaders = [t('reverify.score.version'), t('reverify.score.run')];
  const scopeCells = (row: ScoreBreakdownRow) => [versionLabel(row), row.runId === null ? t('reverify.score.allAnswers') : `#${row.runId}`];
  const scopeKey = (row: ScoreBreakdownRow) => `${row.modelId}:${row.versionId ?? 'base'}:${row.runId ?? 'all'}`;
  const [report, setReport] = useState<{ result: ReportResult | null; error: string | null }>({ result: null, error: null });

  const load = useCallback(async () => {
    try {
      setCard(await api.call('scorecards.get', { workspaceId }));
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [workspaceId]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Stack gap="md" data-testid="scorecard">
      <Group justify="space-between" align="center" wrap="nowrap">
        <Text size="sm" c="dimmed" maw={720}>
          {t('reverify.score.explain')}
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={() => void load()}>
            {t('common.refresh')}
          </Button>
          <ReportButton workspaceId={workspaceId} onResult={(result, error) => setReport({ result, error })} />
        </Group>
      </Group>
      <ReportResultNotice result={report.result} error={report.error} onClose={() => setReport({ result: null, error: null })} />
      <ErrorText error={error} testId="scorecard-error" />
      {card && (
        <>
          <ScoreCharts card={card} />
          <ScoreTable
            workspaceId={workspaceId}
            table="versions"
            title={t('reverify.score.tables.versions')}
            headers={[t('reverify.score.version'), ...counts, t('reverify.score.verified'), t('reverify.score.regressed'), t('reverify.score.trainedInto')]}
            rows={card.versions.map((version) => ({ key: `${version.modelId}:${version.versionId ?? 'base'}`, cells: [versionLabel(version), ...countCells(version.counts), version.verified, version.regressed, version.trainedInto] }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="runs"
            textColumns={4}
            title={t('reverify.score.tables.runs')}
            headers={['#', t('reverify.runs.set'), t('reverify.score.version'), t('reverify.runs.status'), t('reverify.score.answered'), ...counts, t('reverify.score.verified'), t('reverify.score.regressed'), t('reverify.score.agreement')]}
            rows={card.runs.map((run) => ({
              key: run.runId,
              cells: [
                run.runId,
                run.setName,
                versionLabel(run),
                <RunStatusBadge key="status" status={run.status} />,
                `${run.answered}/${run.total}`,
                ...countCells(run.counts),
                run.verified,
                run.regressed,
                run.judgeAgreement === null ? '–' : percent(run.judgeAgreement),
              ],
            }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="byPriority"
            textColumns={3}
            title={t('reverify.score.tables.byPriority')}
            headers={[...scopeHeaders, t('eval.priority'), ...counts]}
            rows={card.byPriority.map((row) => ({
              key: `${scopeKey(row)}:${row.priority ?? 0}`,
              cells: [...scopeCells(row), row.priority === null ? t('reverify.score.noPriority') : t(`eval.priorities.${row.priority}`), ...countCells(row.counts)],
            }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="byCategory"
            textColumns={3}
            title={t('reverify.score.tables.byCategory')}
            headers={[...scopeHeaders, t('reverify.score.category'), ...counts]}
            rows={card.byCategory.map((row) => ({ key: `${scopeKey(row)}:${row.category}`, cells: [...scopeCells(row), t(`workspaces.categories.${row.category}`, { defaultValue: row.category }), ...countCells(row.counts)] }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="byTag"
            textColumns={3}
            title={t('reverify.score.tables.byTag')}
            headers={[...scopeHeaders, t('reverify.item.tags'), ...counts]}
            rows={card.byTag.map((row) => ({ key: `${scopeKey(row)}\u0000${row.tag}`, cells: [...scopeCells(row), row.tag, ...countCells(row.counts)] }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="ab"
            title={t('reverify.score.tables.ab')}
            headers={[t('reverify.score.pair'), t('reverify.score.firstWins'), t('reverify.score.secondWins'), t('reverify.score.ties'), t('reverify.score.bothBad')]}
            rows={card.ab.map((row) => ({ key: `${row.first.modelId}:${row.first.versionId}:${row.second.versionId}`, cells: [`${versionLabel(row.first)} – ${versionLabel(row.second)}`, row.firstWins, row.secondWins, row.ties, row.bothBad] }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="timeline"
            textColumns={2}
            title={t('reverify.score.tables.timeline')}
            headers={[t('reverify.score.day'), t('reverify.score.version'), ...counts]}
            rows={card.timeline.map((row) => ({ key: `${row.day}:${row.modelId}:${row.versionId ?? 'base'}`, cells: [formatDay(row.day, language), versionLabel(row), ...countCells(row.counts)] }))}
          />
        </>
      )}
    </Stack>
  );
}

function formatDay(day: string, language: string): string {
  const date = new Date(`${day}T00:00:00`);
  return Number.isNaN(date.getTime()) ? day : date.toLocaleDateString(language);
}
