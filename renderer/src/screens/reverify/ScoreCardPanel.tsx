import { Button, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScoreCard } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
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
            rows={card.versions.map((version) => ({ key: version.versionId ?? 'base', cells: [version.name, ...countCells(version.counts), version.verified, version.regressed, version.trainedInto] }))}
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
                run.versionName,
                <RunStatusBadge key="status" status={run.status} />,
                `${run.answered}/${run.total}`,
                ...countCells(run.counts),
                run.verified,
                run.regressed,
                run.judgeAgreement === null ? '–' : percent(run.judgeAgreement),
              ],
            }))}
          />
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
            <ScoreTable
              workspaceId={workspaceId}
              table="byPriority"
              title={t('reverify.score.tables.byPriority')}
              headers={[t('eval.priority'), ...counts]}
              rows={card.byPriority.map((row) => ({ key: row.priority ?? 0, cells: [row.priority === null ? t('reverify.score.noPriority') : t(`eval.priorities.${row.priority}`), ...countCells(row.counts)] }))}
            />
            <ScoreTable
              workspaceId={workspaceId}
              table="byCategory"
              title={t('reverify.score.tables.byCategory')}
              headers={[t('reverify.score.category'), ...counts]}
              rows={card.byCategory.map((row) => ({ key: row.category, cells: [t(`workspaces.categories.${row.category}`, { defaultValue: row.category }), ...countCells(row.counts)] }))}
            />
          </SimpleGrid>
          <ScoreTable
            workspaceId={workspaceId}
            table="byTag"
            textColumns={2}
            title={t('reverify.score.tables.byTag')}
            headers={[t('reverify.item.tags'), t('reverify.score.version'), ...counts]}
            rows={card.byTag.map((row) => ({ key: `${row.tag}\u0000${row.versionName}`, cells: [row.tag, row.versionName, ...countCells(row.counts)] }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="ab"
            title={t('reverify.score.tables.ab')}
            headers={[t('reverify.score.pair'), t('reverify.score.firstWins'), t('reverify.score.secondWins'), t('reverify.score.ties'), t('reverify.score.bothBad')]}
            rows={card.ab.map((row) => ({ key: `${row.first}\u0000${row.second}`, cells: [`${row.first} – ${row.second}`, row.firstWins, row.secondWins, row.ties, row.bothBad] }))}
          />
          <ScoreTable
            workspaceId={workspaceId}
            table="timeline"
            textColumns={2}
            title={t('reverify.score.tables.timeline')}
            headers={[t('reverify.score.day'), t('reverify.score.version'), ...counts]}
            rows={card.timeline.map((row) => ({ key: `${row.day}\u0000${row.versionName}`, cells: [formatDay(row.day, language), row.versionName, ...countCells(row.counts)] }))}
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
