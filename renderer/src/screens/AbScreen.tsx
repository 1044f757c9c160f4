import { Alert, Badge, Button, Card, Group, Kbd, NativeSelect, SimpleGrid, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AbChoice, AbReveal, AbRound, AbTally } from '../../../shared/contract/ab.ts';
import type { ModelVersion } from '../../../shared/contract/entities.ts';
import { api, describeError, newRequestId } from '../api.ts';
import { EntitySelect } from '../components/EntitySelect.tsx';
import { EvaluationPanel } from '../components/EvaluationPanel.tsx';
import { useVersionLabel } from '../components/version-label.ts';
import { isComposing, isTypingTarget } from '../keyboard.ts';
import { useApp } from '../store.ts';

const choiceKeys: Record<string, AbChoice> = { a: 'a', b: 'b', t: 'tie', x: 'both_bad' };

/**
 * Blind A/B: one question to two versions of the loaded base, shown as A and B in random order.
 * Keys a / b / t / x choose (never while typing or composing); the identities appear after.
 */
export function AbScreen() {
  const { t } = useTranslation();
  const versionLabel = useVersionLabel();
  const { workspaces, runtime, models } = useApp();
  const [workspaceId, setWorkspaceId] = useState<number | null>(workspaces[0]?.id ?? null);
  const [modelId, setModelId] = useState<number | null>(runtime?.modelId ?? models[0]?.id ?? null);
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [question, setQuestion] = useState('');
  const [streams, setStreams] = useState<{ a: string; b: string } | null>(null);
  const [round, setRound] = useState<AbRound | null>(null);
  const [reveal, setReveal] = useState<AbReveal | null>(null);
  const [tally, setTally] = useState<AbTally[]>([]);
  const [error, setError] = useState<string | null>(null);
  const requestId = useRef<string | null>(null);

  useEffect(() => {
    if (modelId === null) return setVersions([]);
    api.call('versions.list', { baseModelId: modelId }).then((list) => {
      setVersions(list);
      setFirst('');
      setSecond(list.at(-1) ? String(list.at(-1)!.id) : '');
    }, () => setVersions([]));
  }, [modelId]);
  const refreshTally = () => workspaceId !== null && api.call('ab.tally', { workspaceId }).then(setTally, () => {});
  useEffect(() => void refreshTally(), [workspaceId]);

  useEffect(
    () =>
      api.on('chat.token', ({ requestId: id, text }) => {
        const current = requestId.current;
        if (!current || !id.startsWith(`${current}:`)) return;
        const side = id.endsWith(':a') ? 'a' : 'b';
        setStreams((s) => (s ? { ...s, [side]: s[side] + text } : s));
      }),
    [],
  );

  const ask = async () => {
    if (workspaceId === null || modelId === null || question.trim() === '') return;
    const id = newRequestId();
    requestId.current = id;
    setError(null);
    setRound(null);
    setReveal(null);
    setStreams({ a: '', b: '' });
    try {
      setRound(await api.call('ab.ask', { workspaceId, modelId, first: first ? Number(first) : null, second: second ? Number(second) : null, question, requestId: id }));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setStreams(null);
    }
  };

  const choose = async (choice: AbChoice) => {
    if (!round || reveal) return;
    try {
      setReveal(await api.call('ab.choose', { comparisonId: round.comparisonId, choice }));
      void refreshTally();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (isComposing(event) || isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const choice = choiceKeys[event.key.toLowerCase()];
    if (choice && round && !reveal) {
      event.preventDefault();
      void choose(choice);
    }
  };

  const versionOptions = [{ value: '', label: t('versions.baseOnly') }, ...versions.map((v) => ({ value: String(v.id), label: v.name }))];
  const side = (label: 'A' | 'B', key: 'a' | 'b') => {
    const log = round?.[key];
    const revealed = reveal?.[key];
    return (
      <Card withBorder padding="md" data-testid={`ab-${key}`}>
        <Group justify="space-between" mb="xs">
          <Title order={3}>{label}</Title>
          {revealed && (
            <Badge color={reveal.choice === key ? 'teal' : 'gray'} data-testid={`ab-reveal-${key}`}>
              {versionLabel(revealed)}
            </Badge>
          )}
        </Group>
        <div className="answer" data-testid={`ab-answer-${key}`}>
          {log ? log.answer : (streams?.[key] ?? '')}
          {streams && <span className="cursor" />}
        </div>
        {log && <EvaluationPanel log={log} existing={null} />}
      </Card>
    );
  };

  return (
    <Stack maw={1280} gap="md" tabIndex={-1} onKeyDown={onKeyDown} data-testid="ab-screen" style={{ outline: 'none' }}>
      <Title order={2}>{t('ab.title')}</Title>
      <Text size="sm" c="dimmed">
        {t('ab.explain')}
      </Text>
      <Group align="flex-end" gap="sm">
        <EntitySelect kind="workspace" label={t('chat.workspace')} value={workspaceId} onChange={setWorkspaceId} />
        <EntitySelect kind="model" label={t('chat.model')} value={modelId} onChange={setModelId} />
        <NativeSelect label={t('ab.first')} value={first} onChange={(e) => setFirst(e.currentTarget.value)} data={versionOptions} data-testid="ab-first" />
        <NativeSelect label={t('ab.second')} value={second} onChange={(e) => setSecond(e.currentTarget.value)} data={versionOptions} data-testid="ab-second" />
      </Group>
      <Group align="flex-end" gap="sm" wrap="nowrap">
        <Textarea style={{ flex: 1 }} label={t('ab.question')} autosize minRows={2} value={question} onChange={(e) => setQuestion(e.currentTarget.value)} data-testid="ab-question" />
        <Button onClick={() => void ask()} disabled={question.trim() === '' || first === second || streams !== null} loading={streams !== null} data-testid="ab-ask">
          {t('ab.ask')}
        </Button>
      </Group>
      {error && (
        <Alert color="red" data-testid="ab-error">
          {error}
        </Alert>
      )}
      {(round || streams) && (
        <SimpleGrid cols={2}>
          {side('A', 'a')}
          {side('B', 'b')}
        </SimpleGrid>
      )}
      {round && (
        <Group gap="xs" data-testid="ab-choices">
          {(['a', 'b', 't', 'x'] as const).map((key) => (
            <Button key={key} variant={reveal?.choice === choiceKeys[key] ? 'filled' : 'default'} disabled={reveal !== null} leftSection={<Kbd size="xs">{key}</Kbd>} onClick={() => void choose(choiceKeys[key]!)} data-testid={`ab-choose-${key}`}>
              {t(`ab.choices.${choiceKeys[key]}`)}
            </Button>
          ))}
          {reveal && <Text size="sm">{t('ab.revealed', { a: versionLabel(reveal.a), b: versionLabel(reveal.b) })}</Text>}
        </Group>
      )}
      <Title order={3}>{t('ab.tally')}</Title>
      {tally.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('ab.noTally')}
        </Text>
      ) : (
        <Table withTableBorder data-testid="ab-tally">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('ab.pair')}</Table.Th>
              <Table.Th>{t('ab.wins')}</Table.Th>
              <Table.Th>{t('ab.ties')}</Table.Th>
              <Table.Th>{t('ab.bothBad')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tally.map((row) => (
              <Table.Tr key={`${row.first.modelId}:${row.first.versionId}:${row.second.versionId}`}>
                <Table.Td>
                  {versionLabel(row.first)} ↔ {versionLabel(row.second)}
                </Table.Td>
                <Table.Td>
                  {row.firstWins} : {row.secondWins}
                </Table.Td>
                <Table.Td>{row.ties}</Table.Td>
                <Table.Td>{row.bothBad}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
