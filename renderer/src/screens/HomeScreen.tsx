import { Badge, Button, Card, Code, Group, Progress, SimpleGrid, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconCheck, IconCircleDashed } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp, type Screen } from '../store.ts';

interface Step {
  id: string;
  done: boolean;
  optional?: boolean;
  title: string;
  detail: ReactNode;
  actions: Array<{ label: string; screen: Screen; testId: string }>;
}

/**
 * The first-run checklist (models folder, a first model, an embedder, a first workspace), each
 * step one click away; once the required steps are done, the way back into the work.
 */
export function HomeScreen() {
  const { t } = useTranslation();
  const { settings, models, workspaces, go } = useApp();
  const steps: Step[] = [
    {
      id: 'models-folder',
      done: Boolean(settings?.modelsDir),
      title: t('home.steps.modelsFolder.title'),
      detail: (
        <>
          {t('home.steps.modelsFolder.detail')} <Code>{settings?.modelsDir}</Code>
        </>
      ),
      actions: [{ label: t('home.steps.modelsFolder.action'), screen: 'settings', testId: 'checklist-models-folder' }],
    },
    {
      id: 'model',
      done: models.length > 0,
      title: t('home.steps.model.title'),
      detail: t('home.steps.model.detail'),
      actions: [
        { label: t('home.steps.model.get'), screen: 'downloads', testId: 'checklist-get-models' },
        { label: t('home.steps.model.add'), screen: 'models', testId: 'checklist-model' },
      ],
    },
    {
      id: 'embedder',
      done: Boolean(settings?.embedder),
      optional: true,
      title: t('home.steps.embedder.title'),
      detail: t('home.steps.embedder.detail'),
      actions: [{ label: t('home.steps.embedder.action'), screen: 'settings', testId: 'checklist-embedder' }],
    },
    {
      id: 'workspace',
      done: workspaces.length > 0,
      title: t('home.steps.workspace.title'),
      detail: t('home.steps.workspace.detail'),
      actions: [{ label: t('home.steps.workspace.action'), screen: 'workspaces', testId: 'checklist-workspace' }],
    },
  ];
  const required = steps.filter((step) => !step.optional);
  const doneCount = steps.filter((step) => step.done).length;
  const ready = required.every((step) => step.done);

  return (
    <Stack maw={880} gap="lg" data-testid="home">
      <div>
        <Title order={2}>{ready ? t('home.readyTitle') : t('home.welcomeTitle')}</Title>
        <Text c="dimmed">{ready ? t('home.readyText') : t('home.welcomeText')}</Text>
      </div>
      {ready && (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <QuickCard title={t('nav.chat')} text={t('home.quick.chat')} action={() => go('chat')} testId="home-go-chat" />
          <QuickCard title={t('nav.logs')} text={t('home.quick.logs')} action={() => go('logs')} testId="home-go-logs" />
          <QuickCard title={t('nav.export')} text={t('home.quick.export')} action={() => go('export')} testId="home-go-export" />
        </SimpleGrid>
      )}
      {/* Shown until every step is done; then Home is only the way back into the work. */}
      {doneCount < steps.length && (
        <Card withBorder padding="lg" data-testid="checklist">
          <Group justify="space-between" mb="sm">
            <Title order={3}>{t('home.checklist')}</Title>
            <Text size="sm" c="dimmed">
              {t('home.progress', { done: doneCount, total: steps.length })}
            </Text>
          </Group>
          <Progress value={(doneCount / steps.length) * 100} mb="md" aria-label={t('home.checklist')} />
          <Stack gap="md">
            {steps.map((step) => (
              <Group key={step.id} wrap="nowrap" align="flex-start" gap="sm" data-testid={`step-${step.id}`} data-done={step.done}>
                <ThemeIcon color={step.done ? 'teal' : 'gray'} variant={step.done ? 'filled' : 'light'} radius="xl" size={24} style={{ flexShrink: 0 }}>
                  {step.done ? <IconCheck size={14} /> : <IconCircleDashed size={14} />}
                </ThemeIcon>
                <div style={{ flex: 1, minWidth: 0 }}>
                  <Group gap={8}>
                    <Text fw={600}>{step.title}</Text>
                    {step.optional && (
                      <Badge variant="light" color="gray" size="sm">
                        {t('home.optional')}
                      </Badge>
                    )}
                  </Group>
                  <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    {step.detail}
                  </Text>
                </div>
                <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}>
                  {step.actions.map((action, index) => (
                    <Button key={action.testId} size="xs" variant={!step.done && index === 0 ? 'filled' : 'default'} data-testid={action.testId} onClick={() => go(action.screen)}>
                      {action.label}
                    </Button>
                  ))}
                </Group>
              </Group>
            ))}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}

function QuickCard(props: { title: string; text: string; action: () => void; testId: string }) {
  return (
    <Card withBorder padding="md">
      <Text fw={600}>{props.title}</Text>
      <Text size="sm" c="dimmed" mb="sm">
        {props.text}
      </Text>
      <Button variant="light" size="xs" onClick={props.action} data-testid={props.testId}>
        {props.title}
      </Button>
    </Card>
  );
}
