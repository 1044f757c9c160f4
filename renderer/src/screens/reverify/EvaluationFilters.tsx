import { Checkbox, NativeSelect, NumberInput, SimpleGrid, Stack, Switch } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelVersion } from '../../../../shared/contract/entities.ts';
import { api } from '../../api.ts';
import { useApp } from '../../store.ts';

type Code = 1 | 2 | 3;

export interface EvaluationFilterValue {
  evaluations: Code[];
  statuses: Code[];
  priorities: Code[];
  trainedVersionId: number | null;
  guard: boolean;
  guardCount: number;
  guardSeed: number;
}

export const defaultEvaluationFilter: EvaluationFilterValue = { evaluations: [2, 3], statuses: [2], priorities: [1, 2, 3], trainedVersionId: null, guard: true, guardCount: 20, guardSeed: 42 };

/** The `fromEvaluations` and `guard` parts of questionSets.create; "all" sends no filter. */
export function toSelection(value: EvaluationFilterValue) {
  const some = (codes: Code[]) => (codes.length > 0 && codes.length < 3 ? codes : undefined);
  const fromEvaluations = {
    ...(some(value.evaluations) && { evaluations: some(value.evaluations) }),
    ...(some(value.statuses) && { statuses: some(value.statuses) }),
    ...(some(value.priorities) && { priorities: some(value.priorities) }),
    ...(value.trainedVersionId !== null && { trainedVersionId: value.trainedVersionId }),
  };
  return {
    fromEvaluations,
    ...(value.guard && value.guardCount > 0 && { guard: { count: value.guardCount, seed: value.guardSeed } }),
  };
}

/** "All status-2 items trained into version 3", plus a seeded sample of earlier 1s as a guard. */
export function EvaluationFilters({ value, onChange }: { value: EvaluationFilterValue; onChange: (value: EvaluationFilterValue) => void }) {
  const { t } = useTranslation();
  const models = useApp((state) => state.models);
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const set = (patch: Partial<EvaluationFilterValue>) => onChange({ ...value, ...patch });

  useEffect(() => {
    api.call('versions.list', {}).then(setVersions, () => setVersions([]));
  }, []);

  const codes = (label: string, picked: Code[], key: 'evaluations' | 'statuses' | 'priorities', name: (code: Code) => string) => (
    <Checkbox.Group label={label} value={picked.map(String)} onChange={(next) => set({ [key]: next.map((v) => Number(v) as Code).sort() })} data-testid={`set-filter-${key}`}>
      <Stack gap={4} mt={4}>
        {([1, 2, 3] as const).map((code) => (
          <Checkbox key={code} value={String(code)} label={name(code)} />
        ))}
      </Stack>
    </Checkbox.Group>
  );
  const modelName = (id: number) => models.find((model) => model.id === id)?.displayName ?? `#${id}`;

  return (
    <Stack gap="sm">
      <SimpleGrid cols={3} spacing="sm">
        {codes(t('reverify.create.verdicts'), value.evaluations, 'evaluations', (c) => `${c} · ${t(['', 'eval.good', 'eval.insufficient', 'eval.wrong'][c]!)}`)}
        {codes(t('reverify.create.statuses'), value.statuses, 'statuses', (c) => t(`eval.statuses.${c}`))}
        {codes(t('reverify.create.priorities'), value.priorities, 'priorities', (c) => t(`eval.priorities.${c}`))}
      </SimpleGrid>
      <NativeSelect
        label={t('reverify.create.trainedInto')}
        description={t('reverify.create.trainedIntoHint')}
        data-testid="set-trained-version"
        value={value.trainedVersionId === null ? '' : String(value.trainedVersionId)}
        onChange={(event) => set({ trainedVersionId: event.currentTarget.value === '' ? null : Number(event.currentTarget.value) })}
        data={[{ value: '', label: t('reverify.create.anyVersion') }, ...versions.map((version) => ({ value: String(version.id), label: `${modelName(version.baseModelId)} · ${version.name}` }))]}
      />
      <Switch label={t('reverify.create.guard')} description={t('reverify.create.guardHint')} checked={value.guard} onChange={(event) => set({ guard: event.currentTarget.checked })} data-testid="set-guard" />
      {value.guard && (
        <SimpleGrid cols={2} spacing="sm">
          <NumberInput label={t('reverify.create.guardCount')} min={1} max={10_000} allowDecimal={false} value={value.guardCount} onChange={(v) => v !== '' && set({ guardCount: Number(v) })} data-testid="set-guard-count" />
          <NumberInput label={t('reverify.create.seed')} min={0} allowDecimal={false} value={value.guardSeed} onChange={(v) => v !== '' && set({ guardSeed: Number(v) })} data-testid="set-guard-seed" />
        </SimpleGrid>
      )}
    </Stack>
  );
}
