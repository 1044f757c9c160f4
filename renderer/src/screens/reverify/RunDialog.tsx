import { Button, Checkbox, Group, Modal, NativeSelect, NumberInput, SimpleGrid, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelVersion } from '../../../../shared/contract/entities.ts';
import { assistKinds, type QuestionSet } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { EntitySelect } from '../../components/EntitySelect.tsx';
import { ErrorText } from '../../components/Field.tsx';
import { useApp } from '../../store.ts';

const baseValue = 'base';

interface Props {
  opened: boolean;
  set: QuestionSet;
  onClose: () => void;
  onStarted: () => void;
}

/** Runs a set against the base and/or its versions: deterministic unless asked otherwise. */
export function RunDialog({ opened, set, onClose, onStarted }: Props) {
  const { t } = useTranslation();
  const runtime = useApp((state) => state.runtime);
  const models = useApp((state) => state.models);
  const [modelId, setModelId] = useState<number | null>(runtime?.modelId ?? models[0]?.id ?? null);
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const [parallelism, setParallelism] = useState<number | ''>('');
  const [temperature, setTemperature] = useState(0);
  const [seed, setSeed] = useState(42);
  const [assist, setAssist] = useState<(typeof assistKinds)[number]>('none');
  const [judgeModelId, setJudgeModelId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (modelId === null) return setVersions([]);
    api.call('versions.list', { baseModelId: modelId }).then(
      (list) => {
        setVersions(list);
        // The newest version is what is being verified; the base is the comparison.
        const newest = list.at(-1);
        setPicked(newest ? [String(newest.id)] : [baseValue]);
      },
      () => setVersions([]),
    );
  }, [modelId]);

  const start = async () => {
    if (modelId === null) return;
    setBusy(true);
    setError(null);
    try {
      await api.call('runs.start', {
        setId: set.id,
        modelId,
        versionIds: picked.map((value) => (value === baseValue ? null : Number(value))),
        ...(parallelism !== '' && { parallelism }),
        temperature,
        seed,
        assist,
        ...(assist === 'judge' && { judgeModelId: judgeModelId ?? modelId }),
      });
      onStarted();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title={t('reverify.runs.dialogTitle', { name: set.name })} size="lg" data-testid="run-dialog">
      <Stack gap="sm">
        <EntitySelect kind="model" label={t('reverify.runs.baseModel')} value={modelId} onChange={setModelId} testId="run-model" />
        <Checkbox.Group label={t('reverify.runs.versions')} description={t('reverify.runs.versionsHint')} value={picked} onChange={setPicked} data-testid="run-versions">
          <Stack gap={4} mt={6}>
            <Checkbox value={baseValue} label={t('reverify.runs.baseAlone')} data-testid="run-version-base" />
            {versions.map((version) => (
              <Checkbox key={version.id} value={String(version.id)} label={version.name} data-testid="run-version" />
            ))}
          </Stack>
        </Checkbox.Group>
        <SimpleGrid cols={3} spacing="sm">
          <NumberInput label={t('reverify.runs.parallelism')} placeholder={t('reverify.runs.parallelismDefault')} min={1} max={16} allowDecimal={false} value={parallelism} onChange={(v) => setParallelism(v === '' ? '' : Number(v))} data-testid="run-parallelism" />
          <NumberInput label={t('reverify.runs.temperature')} min={0} max={2} step={0.1} decimalScale={2} value={temperature} onChange={(v) => v !== '' && setTemperature(Number(v))} data-testid="run-temperature" />
          <NumberInput label={t('reverify.runs.seed')} min={0} allowDecimal={false} value={seed} onChange={(v) => v !== '' && setSeed(Number(v))} data-testid="run-seed" />
        </SimpleGrid>
        <Text size="xs" c="dimmed">
          {t('reverify.runs.deterministic')}
        </Text>
        <SimpleGrid cols={2} spacing="sm">
          <NativeSelect
            label={t('reverify.runs.assist')}
            value={assist}
            onChange={(event) => setAssist(event.currentTarget.value as (typeof assistKinds)[number])}
            data={assistKinds.map((kind) => ({ value: kind, label: t(`reverify.runs.assistKinds.${kind}`) }))}
            data-testid="run-assist"
          />
          {assist === 'judge' && <EntitySelect kind="model" label={t('reverify.runs.judgeModel')} value={judgeModelId ?? modelId} onChange={setJudgeModelId} testId="run-judge-model" />}
        </SimpleGrid>
        {assist !== 'none' && (
          <Text size="xs" c="dimmed">
            {t(`reverify.runs.assistHint.${assist}`)}
          </Text>
        )}
        <ErrorText error={error} testId="run-error" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button onClick={() => void start()} loading={busy} disabled={modelId === null || picked.length === 0} data-testid="run-start">
            {t('reverify.runs.startCount', { count: picked.length })}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
