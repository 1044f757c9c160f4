import { NativeSelect, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LogFilters } from '../../../shared/contract/log-filters.ts';
import type { PromptVersion } from '../../../shared/contract/prompts.ts';
import { api } from '../api.ts';
import { formatDate } from '../format.ts';
import { useApp } from '../store.ts';

type Fields = Pick<LogFilters, 'promptVersionId' | 'evaluation' | 'priority' | 'status' | 'from' | 'to'>;

const numberOrUndefined = (value: string) => (value === '' ? undefined : Number(value));

/** A workspace's prompt versions, for the prompt-version filter; none while no workspace is picked. */
export function usePromptVersions(workspaceId: number | undefined): PromptVersion[] {
  const [versions, setVersions] = useState<PromptVersion[]>([]);
  useEffect(() => {
    if (workspaceId === undefined) return setVersions([]);
    let cancelled = false;
    api.call('prompts.versions', { workspaceId }).then(
      (found) => !cancelled && setVersions(found),
      () => !cancelled && setVersions([]),
    );
    return () => {
      cancelled = true;
    };
  }, [workspaceId]);
  return versions;
}

/**
 * The log browser's verdict, priority, status, date and prompt-version filters, one set of
 * controls for every screen that filters answers (the log browser, a review queue's scope).
 * `testIdPrefix` keeps each screen's test ids (`filter-…`, `queue-filter-…`).
 */
export function LogFilterFields<F extends Fields>({ filters, set, promptVersions, testIdPrefix }: { filters: F; set: <K extends keyof Fields>(key: K, value: Fields[K] | undefined) => void; promptVersions: PromptVersion[]; testIdPrefix: string }) {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  return (
    <>
      {promptVersions.length > 0 && (
        <NativeSelect
          label={t('logs.promptVersion')}
          data-testid={`${testIdPrefix}-prompt-version`}
          value={String(filters.promptVersionId ?? '')}
          onChange={(e) => set('promptVersionId', numberOrUndefined(e.currentTarget.value))}
          data={[{ value: '', label: t('common.all') }, ...promptVersions.map((v) => ({ value: String(v.id), label: t('logs.promptVersionOption', { version: v.version, date: formatDate(v.changedAt, language) }) }))]}
        />
      )}
      <NativeSelect
        label={t('logs.evaluation')}
        data-testid={`${testIdPrefix}-evaluation`}
        value={String(filters.evaluation ?? '')}
        onChange={(e) => set('evaluation', numberOrUndefined(e.currentTarget.value) as Fields['evaluation'])}
        data={[
          { value: '', label: t('common.all') },
          { value: '0', label: t('logs.notEvaluated') },
          { value: '1', label: `1 · ${t('eval.good')}` },
          { value: '2', label: `2 · ${t('eval.insufficient')}` },
          { value: '3', label: `3 · ${t('eval.wrong')}` },
        ]}
      />
      <NativeSelect
        label={t('logs.priority')}
        value={String(filters.priority ?? '')}
        onChange={(e) => set('priority', numberOrUndefined(e.currentTarget.value) as Fields['priority'])}
        data={[{ value: '', label: t('common.all') }, ...([1, 2, 3] as const).map((p) => ({ value: String(p), label: t(`eval.priorities.${p}`) }))]}
      />
      <NativeSelect
        label={t('logs.status')}
        value={String(filters.status ?? '')}
        onChange={(e) => set('status', numberOrUndefined(e.currentTarget.value) as Fields['status'])}
        data={[{ value: '', label: t('common.all') }, ...([1, 2, 3] as const).map((s) => ({ value: String(s), label: t(`eval.statuses.${s}`) }))]}
      />
      <TextInput type="date" label={t('logs.from')} data-testid={`${testIdPrefix}-from`} value={filters.from ?? ''} onChange={(e) => set('from', e.currentTarget.value || undefined)} />
      <TextInput type="date" label={t('logs.to')} data-testid={`${testIdPrefix}-to`} value={filters.to ?? ''} onChange={(e) => set('to', e.currentTarget.value || undefined)} />
    </>
  );
}
