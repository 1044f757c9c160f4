import { Group, Tabs, Text, Title } from '@mantine/core';
import { IconChartBar, IconChecklist, IconListDetails, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EntitySelect } from '../../components/EntitySelect.tsx';
import { ErrorText } from '../../components/Field.tsx';
import { useApp } from '../../store.ts';
import { QuestionSetsPanel } from './QuestionSetsPanel.tsx';
import { RejudgeView } from './RejudgeView.tsx';
import { RunsPanel } from './RunsPanel.tsx';
import { ScoreCardPanel } from './ScoreCardPanel.tsx';
import { useQuestionSets, useRuns } from './useReverifyData.ts';

type Tab = 'sets' | 'runs' | 'rejudge' | 'scorecard';

/**
 * Re-verification (issue 13): question sets made from the evaluations, batch runs of a set against
 * model versions, re-judging the new answers beside the earlier ones, and the score card.
 */
export function ReverifyScreen() {
  const { t } = useTranslation();
  const workspaces = useApp((state) => state.workspaces);
  const [workspaceId, setWorkspaceId] = useState<number | null>(workspaces[0]?.id ?? null);
  const [tab, setTab] = useState<Tab>('sets');
  const [runId, setRunId] = useState<number | null>(null);
  const sets = useQuestionSets(workspaceId);
  const runs = useRuns(workspaceId);

  useEffect(() => {
    if (workspaceId === null && workspaces[0]) setWorkspaceId(workspaces[0].id);
  }, [workspaceId, workspaces]);

  const openRun = (id: number) => {
    setRunId(id);
    setTab('rejudge');
  };

  return (
    <div className="reverify" data-testid="reverify-screen">
      <Group justify="space-between" align="flex-end" mb="sm" wrap="nowrap">
        <div>
          <Title order={2} mb={2}>
            {t('reverify.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('reverify.intro')}
          </Text>
        </div>
        <EntitySelect kind="workspace" label={t('chat.workspace')} value={workspaceId} onChange={setWorkspaceId} testId="reverify-workspace" />
      </Group>
      <ErrorText error={sets.error ?? runs.error} testId="reverify-error" />
      {workspaceId === null ? (
        <p className="muted empty-state">{t('reverify.noWorkspace')}</p>
      ) : (
        <Tabs value={tab} onChange={(value) => value && setTab(value as Tab)} keepMounted={false} className="reverify-tabs">
          <Tabs.List mb="md">
            <Tabs.Tab value="sets" leftSection={<IconListDetails size={16} />} data-testid="reverify-tab-sets">
              {t('reverify.tabs.sets')}
            </Tabs.Tab>
            <Tabs.Tab value="runs" leftSection={<IconPlayerPlay size={16} />} data-testid="reverify-tab-runs">
              {t('reverify.tabs.runs')}
            </Tabs.Tab>
            <Tabs.Tab value="rejudge" leftSection={<IconChecklist size={16} />} data-testid="reverify-tab-rejudge">
              {t('reverify.tabs.rejudge')}
            </Tabs.Tab>
            <Tabs.Tab value="scorecard" leftSection={<IconChartBar size={16} />} data-testid="reverify-tab-scorecard">
              {t('reverify.tabs.scorecard')}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="sets">
            <QuestionSetsPanel
              workspaceId={workspaceId}
              sets={sets.sets}
              reload={sets.reload}
              onStarted={() => {
                void runs.reload();
                setTab('runs');
              }}
            />
          </Tabs.Panel>
          <Tabs.Panel value="runs">
            <RunsPanel runs={runs.runs} live={runs.live} reload={runs.reload} onOpen={openRun} />
          </Tabs.Panel>
          <Tabs.Panel value="rejudge">
            <RejudgeView runs={runs.runs} runId={runId} onPickRun={setRunId} onJudged={() => void runs.reload()} />
          </Tabs.Panel>
          <Tabs.Panel value="scorecard">
            <ScoreCardPanel workspaceId={workspaceId} />
          </Tabs.Panel>
        </Tabs>
      )}
    </div>
  );
}
