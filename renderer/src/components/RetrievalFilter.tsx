import { ActionIcon, Badge, Button, Group, MultiSelect, Pill, Popover, Stack, Text, TextInput } from '@mantine/core';
import { IconCalendar, IconCheck, IconFilter, IconFilterOff, IconPlus, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { RetrievalFilter, SourceTypeCount } from '../../../shared/contract/records.ts';
import { api, describeError } from '../api.ts';
import { isComposing } from '../keyboard.ts';

/** Record-field conditions one filter may hold (the contract allows 10; a few are what a person sets by hand). */
export const maxFilterConditions = 5;
/** The contract's rule for a metadata field name: a record's top-level key. */
const fieldName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether a typed date is a real ISO day (yyyy-mm-dd). Typed, not a native date input: that one
 * shows the browser's own format (mm/dd/yyyy), whatever language the app is in.
 */
export function isIsoDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Whether a filter limits anything (an empty one does not, as for the service's `filterLimits`). */
export function filterIsActive(filter: RetrievalFilter | null | undefined): filter is RetrievalFilter {
  return Boolean(filter && (filter.sourceTypes?.length || filter.updatedFrom || filter.updatedTo || Object.keys(filter.metadata ?? {}).length));
}

/** One condition of a filter, as a person reads it, and the filter without it. */
export interface FilterCondition {
  key: string;
  label: string;
  without: RetrievalFilter;
}

/** A filter's conditions in the user's language: source types, the updated_at range, each field = value. */
export function filterConditions(filter: RetrievalFilter, t: TFunction): FilterCondition[] {
  const conditions: FilterCondition[] = [];
  const day = (value: string) => value.slice(0, 10);
  if (filter.sourceTypes?.length) {
    const { sourceTypes: _omit, ...without } = filter;
    conditions.push({ key: 'sourceTypes', label: t('chat.filter.chipSourceTypes', { types: filter.sourceTypes.join(', ') }), without });
  }
  if (filter.updatedFrom || filter.updatedTo) {
    const { updatedFrom: _from, updatedTo: _to, ...without } = filter;
    const label =
      filter.updatedFrom && filter.updatedTo
        ? t('chat.filter.chipUpdatedBetween', { from: day(filter.updatedFrom), to: day(filter.updatedTo) })
        : filter.updatedFrom
          ? t('chat.filter.chipUpdatedFrom', { from: day(filter.updatedFrom) })
          : t('chat.filter.chipUpdatedTo', { to: day(filter.updatedTo!) });
    conditions.push({ key: 'updated', label, without });
  }
  for (const [field, value] of Object.entries(filter.metadata ?? {})) {
    const { [field]: _omit, ...metadata } = filter.metadata!;
    const { metadata: _all, ...rest } = filter;
    conditions.push({ key: `metadata.${field}`, label: `${field} = ${String(value)}`, without: Object.keys(metadata).length > 0 ? { ...rest, metadata } : rest });
  }
  return conditions;
}

/**
 * The active filter above the question box, so the person always sees that answers are limited:
 * one chip per condition (each removable) and one button that clears them all.
 */
export function FilterChips({ filter, onChange }: { filter: RetrievalFilter; onChange: (filter: RetrievalFilter | null) => void }) {
  const { t } = useTranslation();
  return (
    <Group gap={6} wrap="wrap" data-testid="filter-chips" aria-label={t('chat.filter.active')}>
      <Text size="xs" c="dimmed" fw={600}>
        {t('chat.filter.active')}
      </Text>
      {filterConditions(filter, t).map((condition) => (
        <Pill
          key={condition.key}
          withRemoveButton
          data-testid="filter-chip"
          data-key={condition.key}
          onRemove={() => onChange(filterIsActive(condition.without) ? condition.without : null)}
          // Mantine leaves a pill's remove button out of the tab order; here it is the way to drop one condition.
          removeButtonProps={{ 'aria-label': t('chat.filter.removeCondition', { condition: condition.label }), 'aria-hidden': false, tabIndex: 0 }}
        >
          {condition.label}
        </Pill>
      ))}
      <Button size="compact-xs" variant="subtle" color="gray" leftSection={<IconFilterOff size={12} />} onClick={() => onChange(null)} data-testid="filter-clear">
        {t('chat.filter.clear')}
      </Button>
    </Group>
  );
}

/** A retrieval filter's trace: what the answer's document search was limited to (null when it was not). */
export function FilterNote({ filter, testId }: { filter: unknown; testId?: string }) {
  const { t } = useTranslation();
  if (!filterIsActive(filter as RetrievalFilter | null)) return null;
  return (
    <p className="filter-note" data-testid={testId}>
      <IconFilter size={12} aria-hidden /> {t('chat.filter.applied', { conditions: filterConditions(filter as RetrievalFilter, t).map((condition) => condition.label).join(' · ') })}
    </p>
  );
}

interface Draft {
  sourceTypes: string[];
  from: string;
  to: string;
  conditions: Array<{ field: string; value: string }>;
}

const draftOf = (filter: RetrievalFilter | null): Draft => ({
  sourceTypes: filter?.sourceTypes ?? [],
  from: filter?.updatedFrom?.slice(0, 10) ?? '',
  to: filter?.updatedTo?.slice(0, 10) ?? '',
  conditions: Object.entries(filter?.metadata ?? {}).map(([field, value]) => ({ field, value: String(value) })),
});

/**
 * "Limit sources": a button (with how many conditions are active) that opens the filter's form:
 * the workspace's source types, an updated_at range and a few record `field = value` conditions.
 */
export function FilterButton({ workspaceId, filter, onChange }: { workspaceId: number; filter: RetrievalFilter | null; onChange: (filter: RetrievalFilter | null) => void }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const [draft, setDraft] = useState<Draft>(() => draftOf(filter));
  const [sourceTypes, setSourceTypes] = useState<SourceTypeCount[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [tried, setTried] = useState(false);
  const active = filter ? filterConditions(filter, t).length : 0;

  const open = () => {
    setDraft(draftOf(filter));
    setTried(false);
    setOpened(true);
    setLoadError(null);
    api.call('documents.sourceTypes', { workspaceId }).then(setSourceTypes, (caught) => setLoadError(describeError(caught)));
  };

  const from = draft.from.trim();
  const to = draft.to.trim();
  const fromError = from && !isIsoDay(from) ? t('chat.filter.dateError') : null;
  const toError = to && !isIsoDay(to) ? t('chat.filter.dateError') : from && to && !fromError && from > to ? t('chat.filter.rangeError') : null;
  const fieldErrors = draft.conditions.map((condition, index) => {
    if (condition.field.trim() === '' && condition.value.trim() === '') return null;
    if (!fieldName.test(condition.field.trim())) return t('chat.filter.fieldError');
    if (draft.conditions.findIndex((other) => other.field.trim() === condition.field.trim()) !== index) return t('chat.filter.fieldTwice');
    return null;
  });
  const invalid = Boolean(fromError || toError) || fieldErrors.some(Boolean);

  const apply = () => {
    setTried(true);
    if (invalid) return;
    const metadata = Object.fromEntries(draft.conditions.filter((c) => c.field.trim() !== '').map((c) => [c.field.trim(), c.value]));
    const next: RetrievalFilter = {
      ...(draft.sourceTypes.length > 0 && { sourceTypes: draft.sourceTypes }),
      ...(from && { updatedFrom: from }),
      ...(to && { updatedTo: to }),
      ...(Object.keys(metadata).length > 0 && { metadata }),
    };
    onChange(filterIsActive(next) ? next : null);
    setOpened(false);
    // Back to the question: the filter is set, the question goes on where it was.
    requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('[data-testid="question"]')?.focus());
  };
  /** Enter applies from any text field of the form, never while an input method is composing. */
  const onEnter = (event: React.KeyboardEvent) => {
    if (event.key === 'Enter' && !isComposing(event)) {
      event.preventDefault();
      apply();
    }
  };
  // The value is read here: an event's currentTarget is gone by the time an updater runs.
  const setDates = (patch: Partial<Pick<Draft, 'from' | 'to'>>) => setDraft((current) => ({ ...current, ...patch }));
  const setCondition = (index: number, patch: Partial<Draft['conditions'][number]>) =>
    setDraft((current) => ({ ...current, conditions: current.conditions.map((c, i) => (i === index ? { ...c, ...patch } : c)) }));
  // A chosen type the workspace no longer has stays choosable, so it can be seen and taken out.
  const options = [...sourceTypes.map((row) => ({ value: row.sourceType, label: row.sourceType, count: row.documents }))];
  for (const chosen of draft.sourceTypes) if (!options.some((o) => o.value === chosen)) options.push({ value: chosen, label: chosen, count: 0 });
  const counts = new Map(options.map((o) => [o.value, o.count]));

  return (
    <Popover opened={opened} onChange={setOpened} position="top-start" width={440} shadow="md" trapFocus withArrow returnFocus>
      <Popover.Target>
        <Button
          size="compact-sm"
          variant={active > 0 ? 'light' : 'subtle'}
          color={active > 0 ? undefined : 'gray'}
          leftSection={<IconFilter size={14} />}
          rightSection={active > 0 ? <Badge size="xs" circle data-testid="filter-count">{active}</Badge> : undefined}
          onClick={() => (opened ? setOpened(false) : open())}
          aria-haspopup="dialog"
          aria-expanded={opened}
          data-testid="filter-open"
        >
          {t('chat.filter.button')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown data-testid="filter-form" role="dialog" aria-label={t('chat.filter.title')}>
        <Stack gap="sm">
          <div>
            <Text fw={600} size="sm">
              {t('chat.filter.title')}
            </Text>
            <Text size="xs" c="dimmed">
              {t('chat.filter.explain')}
            </Text>
          </div>
          <MultiSelect
            label={t('chat.filter.sourceTypes')}
            placeholder={draft.sourceTypes.length === 0 ? t('chat.filter.anySourceType') : undefined}
            data={options.map(({ value, label }) => ({ value, label }))}
            value={draft.sourceTypes}
            onChange={(sourceTypes) => setDraft((current) => ({ ...current, sourceTypes }))}
            renderOption={({ option, checked }) => (
              <Group justify="space-between" gap="xs" wrap="nowrap" style={{ flex: 1 }}>
                <Group gap={6} wrap="nowrap">
                  {checked ? <IconCheck size={14} aria-hidden /> : <span style={{ width: 14 }} />}
                  <span>{option.label}</span>
                </Group>
                <Text size="xs" c="dimmed">
                  {t('chat.filter.documentCount', { count: counts.get(option.value) ?? 0 })}
                </Text>
              </Group>
            )}
            nothingFoundMessage={t('chat.filter.noSourceTypes')}
            error={loadError}
            searchable
            clearable
            // Opened by a click or the arrow keys, not by the focus the form moves to it: it would cover the dates.
            openOnFocus={false}
            comboboxProps={{ withinPortal: false }}
            data-testid="filter-source-types"
          />
          <Group grow gap="sm" align="flex-start">
            <TextInput
              label={t('chat.filter.updatedFrom')}
              placeholder="YYYY-MM-DD"
              leftSection={<IconCalendar size={14} />}
              inputMode="numeric"
              maxLength={10}
              value={draft.from}
              onChange={(e) => setDates({ from: e.currentTarget.value })}
              onKeyDown={onEnter}
              error={tried || from.length >= 10 ? fromError : null}
              data-testid="filter-from"
            />
            <TextInput
              label={t('chat.filter.updatedTo')}
              placeholder="YYYY-MM-DD"
              leftSection={<IconCalendar size={14} />}
              inputMode="numeric"
              maxLength={10}
              value={draft.to}
              onChange={(e) => setDates({ to: e.currentTarget.value })}
              onKeyDown={onEnter}
              error={tried || to.length >= 10 ? toError : null}
              data-testid="filter-to"
            />
          </Group>
          <Stack gap={6}>
            <Text size="sm" fw={600}>
              {t('chat.filter.fields')}
            </Text>
            {draft.conditions.length === 0 && (
              <Text size="xs" c="dimmed">
                {t('chat.filter.fieldsExplain')}
              </Text>
            )}
            {draft.conditions.map((condition, index) => (
              <Group key={index} gap={6} wrap="nowrap" align="flex-start" data-testid="filter-condition">
                <TextInput
                  style={{ flex: 1 }}
                  size="xs"
                  placeholder={t('chat.filter.field')}
                  aria-label={t('chat.filter.field')}
                  value={condition.field}
                  onChange={(e) => setCondition(index, { field: e.currentTarget.value })}
                  onKeyDown={onEnter}
                  error={tried || condition.field ? fieldErrors[index] : null}
                  spellCheck={false}
                  maxLength={100}
                  data-testid="filter-field"
                />
                <Text size="sm" mt={4} aria-hidden>
                  =
                </Text>
                <TextInput
                  style={{ flex: 1 }}
                  size="xs"
                  placeholder={t('chat.filter.value')}
                  aria-label={t('chat.filter.value')}
                  value={condition.value}
                  onChange={(e) => setCondition(index, { value: e.currentTarget.value })}
                  onKeyDown={onEnter}
                  maxLength={500}
                  data-testid="filter-value"
                />
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  mt={2}
                  aria-label={t('chat.filter.removeField')}
                  onClick={() => setDraft((current) => ({ ...current, conditions: current.conditions.filter((_, i) => i !== index) }))}
                >
                  <IconX size={14} />
                </ActionIcon>
              </Group>
            ))}
            {draft.conditions.length < maxFilterConditions && (
              <Button
                size="compact-xs"
                variant="subtle"
                leftSection={<IconPlus size={12} />}
                style={{ alignSelf: 'flex-start' }}
                onClick={() => setDraft((current) => ({ ...current, conditions: [...current.conditions, { field: '', value: '' }] }))}
                data-testid="filter-add-field"
              >
                {t('chat.filter.addField')}
              </Button>
            )}
          </Stack>
          <Group justify="space-between">
            <Button size="xs" variant="subtle" color="gray" onClick={() => setDraft(draftOf(null))} data-testid="filter-reset">
              {t('chat.filter.reset')}
            </Button>
            <Group gap="xs">
              <Button size="xs" variant="default" onClick={() => setOpened(false)}>
                {t('common.cancel')}
              </Button>
              <Button size="xs" onClick={apply} disabled={tried && invalid} data-testid="filter-apply">
                {t('chat.filter.apply')}
              </Button>
            </Group>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
