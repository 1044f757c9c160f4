import { Button, Group, Progress, Stack, Table, Text } from '@mantine/core';
import { IconChecklist, IconPlayerPause, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BatchRun } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { versionLabel } from '../../components/version-label.ts';
import { formatDate } from '../../format.ts';
import { useApp } from '../../store.ts';
import { RunStatusBadge } from './badges.tsx';
import { estimateSecondsLeft, type LiveProgress } from './useReverifyData.ts';

interface Props {
  runs: BatchRun[];
  live: Record<string, LiveProgress>;
  reload: () => Promise<void>;
  onOpen: (runId: number) => void;
}

/** Batch runs with a live bar, an estimate of the time left, cancel and resume. */
export function RunsPanel({ runs, live, reload, onOpen }: Props) {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const running = runs.some((run) => run.status === 'running');

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(describeError(caught));
    }
    await reload();
  };

  const eta = (seconds: number | null) => {
    if (seconds === null) return t('reverify.runs.etaUnknown');
    if (seconds < 60) return t('reverify.runs.etaSeconds', { count: Math.max(1, Math.round(seconds)) });
    if (seconds < 3600) return t('reverify.runs.etaMinutes', { count: Math.round(seconds / 60) });
    return t('reverify.runs.etaHours', { count: Math.round(seconds / 360) / 10 });
  };

  if (runs.length === 0) {
    return (
      <p className="muted empty-state" data-testid="runs-empty">
        {t('reverify.runs.empty')}
      </p>
    );
  }

  return (
    <Stack gap="sm">
      <ErrorText error={error} testId="runs-error" />
      <Table withTableBorder data-testid="runs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>{t('reverify.runs.set')}</Table.Th>
            <Table.Th>{t('reverify.runs.version')}</Table.Th>
            <Table.Th>{t('reverify.runs.status')}</Table.Th>
            <Table.Th w={260}>{t('reverify.runs.progress')}</Table.Th>
            <Table.Th>{t('reverify.runs.judged')}</Table.Th>
            <Table.Th>{t('reverify.runs.settings')}</Table.Th>
            <Table.Th>{t('reverify.runs.created')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((run) => {
            const progress = run.status === 'running' ? Math.max(live[run.jobId]?.progress ?? 0, run.total ? run.answered / run.total : 0) : run.total ? run.answered / run.total : 0;
            return (
              <Table.Tr key={run.id} data-testid="run-row" data-status={run.status} data-run-id={run.id} data-version-id={run.versionId ?? 'base'}>
                <Table.Td>{run.id}</Table.Td>
                <Table.Td>{run.setName}</Table.Td>
                <Table.Td>{versionLabel(t, run)}</Table.Td>
                <Table.Td>
                  <RunStatusBadge status={run.status} />
                  {run.error && (
                    <Text size="xs" c="red">
                      {t(`errors.${run.error.code}`, { defaultValue: run.error.message })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Progress value={progress * 100} animated={run.status === 'running'} color={run.status === 'failed' ? 'red' : run.status === 'completed' ? 'teal' : undefined} aria-label={t('reverify.runs.progress')} data-testid="run-progress" />
                  <Text size="xs" c="dimmed" mt={2} data-testid="run-answered">
                    {t('reverify.runs.answered', { answered: run.answered, total: run.total })}
                    {run.status === 'running' && ` · ${eta(estimateSecondsLeft(run, live[run.jobId], now))}`}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {t('reverify.runs.judgedCount', { judged: run.judged, total: run.total })}
                  {run.assist !== 'none' && (
                    <Text size="xs" c="dimmed" data-testid="run-suggested">
                      {t('reverify.runs.suggestedCount', { suggested: run.suggested })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {t('reverify.runs.settingsSummary', { temperature: run.temperature, seed: run.seed, parallelism: run.parallelism })}
                  </Text>
                </Table.Td>
                <Table.Td>{formatDate(run.createdAt, language)}</Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap" justify="flex-end">
                    {(run.status === 'running' || run.status === 'pending') && (
                      <Button size="xs" variant="default" leftSection={<IconPlayerPause size={14} />} onClick={() => void act(() => api.call('jobs.cancel', { jobId: run.jobId }))} data-testid="run-cancel">
                        {t('reverify.runs.cancel')}
                      </Button>
                    )}
                    {(run.status === 'paused' || run.status === 'failed') && (
                      <Button size="xs" variant="default" leftSection={<IconPlayerPlay size={14} />} onClick={() => void act(() => api.call('runs.resume', { id: run.id }))} data-testid="run-resume">
                        {t('reverify.runs.resume')}
                      </Button>
                    )}
                    <Button size="xs" variant={run.status === 'completed' ? 'filled' : 'light'} leftSection={<IconChecklist size={14} />} disabled={run.answered === 0} onClick={() => onOpen(run.id)} data-testid="run-rejudge">
                      {t('reverify.runs.rejudge')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
