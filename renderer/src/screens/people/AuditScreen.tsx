import { ActionIcon, Button, Card, Code, Group, MultiSelect, NativeSelect, Pagination, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconChevronDown, IconChevronRight, IconFileExport } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput } from '../../../../shared/contract/api.ts';
import type { User } from '../../../../shared/contract/entities.ts';
import { auditEventNames, type AuditEvent, type AuditEventName } from '../../../../shared/contract/people.ts';
import { api, describeError } from '../../api.ts';
import { EntitySelect } from '../../components/EntitySelect.tsx';
import { ErrorText } from '../../components/Field.tsx';
import { formatDate } from '../../format.ts';
import { useApp } from '../../store.ts';
import { downloadText } from '../reverify/download.ts';

type Filters = NonNullable<MethodInput<'audit.query'>['filters']>;

const pageSize = 50;
/** Up to this many characters the detail shows on one line; longer ones open on a click. */
const compactLength = 90;

/** The append-only audit log (issue 14): who did what, when, where; filters, pages and a CSV. */
export function AuditScreen() {
  const { t } = useTranslation();
  const { language, workspaces } = useApp();
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<AuditEvent[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const [loading, setLoading] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  useEffect(() => {
    api.call('users.list', {}).then(setUsers, () => {});
  }, []);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    try {
      const result = await api.call('audit.query', { filters, limit: pageSize, offset: (page - 1) * pageSize });
      if (mine !== generation.current) return;
      setRows(result.rows);
      setTotal(result.total);
    } catch (caught) {
      if (mine === generation.current) setError(describeError(caught));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [filters, page]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const setFilter = <K extends keyof Filters>(key: K, value: Filters[K] | undefined) => {
    setFilters((current) => ({ ...current, [key]: value }));
    setPage(1);
  };

  const exportCsv = async () => {
    setExporting(true);
    setError(null);
    try {
      const { fileName, csv } = await api.call('audit.csv', { filters });
      downloadText(fileName, csv);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setExporting(false);
    }
  };

  const toggle = (id: number) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const eventLabel = (event: AuditEventName) => t(`people.auditEvents.${event}`, { defaultValue: event });
  const workspaceName = (id: number | null) => (id === null ? '–' : (workspaces.find((w) => w.id === id)?.name ?? t('people.audit.deletedWorkspace', { id })));
  const pages = total === null ? 1 : Math.max(1, Math.ceil(total / pageSize));

  return (
    <Stack gap="md" maw={1280} data-testid="audit-screen">
      <div>
        <Title order={2}>{t('people.audit.title')}</Title>
        <Text size="sm" c="dimmed">
          {t('people.audit.explain')}
        </Text>
      </div>
      <Group gap="xs" align="flex-end" wrap="wrap" data-testid="audit-filters">
        <MultiSelect
          label={t('people.audit.events')}
          placeholder={filters.events?.length ? undefined : t('common.all')}
          data={auditEventNames.map((event) => ({ value: event, label: eventLabel(event) }))}
          value={filters.events ?? []}
          onChange={(values) => setFilter('events', values.length ? (values as AuditEventName[]) : undefined)}
          searchable
          clearable
          maxDropdownHeight={320}
          w={320}
          data-testid="audit-filter-events"
        />
        <NativeSelect
          label={t('people.audit.user')}
          value={filters.userId === undefined ? '' : String(filters.userId)}
          onChange={(e) => setFilter('userId', e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))}
          data={[{ value: '', label: t('common.all') }, ...users.map((user) => ({ value: String(user.id), label: `${user.displayName} (${user.username})` }))]}
          data-testid="audit-filter-user"
        />
        <EntitySelect kind="workspace" label={t('people.audit.workspace')} anyLabel={t('common.all')} value={filters.workspaceId ?? null} onChange={(id) => setFilter('workspaceId', id ?? undefined)} testId="audit-filter-workspace" />
        <TextInput type="date" label={t('logs.from')} value={filters.from ?? ''} onChange={(e) => setFilter('from', e.currentTarget.value || undefined)} data-testid="audit-filter-from" />
        <TextInput type="date" label={t('logs.to')} value={filters.to ?? ''} onChange={(e) => setFilter('to', e.currentTarget.value || undefined)} data-testid="audit-filter-to" />
        <Button variant="default" leftSection={<IconFileExport size={16} />} loading={exporting} onClick={() => void exportCsv()} data-testid="audit-export">
          {t('people.audit.export')}
        </Button>
        <Text size="sm" c="dimmed" pb={6} data-testid="audit-total">
          {total === null ? t('common.loading') : t('people.audit.total', { count: total, formatted: total.toLocaleString(language) })}
        </Text>
      </Group>
      <ErrorText error={error} testId="audit-error" />
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={900}>
          <Table verticalSpacing={6} data-testid="audit-table" aria-busy={loading} styles={{ th: { whiteSpace: 'nowrap' } }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={150}>{t('people.audit.time')}</Table.Th>
                <Table.Th w={200}>{t('people.audit.event')}</Table.Th>
                <Table.Th w={160}>{t('people.audit.user')}</Table.Th>
                <Table.Th w={180}>{t('people.audit.workspace')}</Table.Th>
                <Table.Th>{t('people.audit.detail')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 && !loading && (
                <Table.Tr>
                  <Table.Td colSpan={5}>
                    <Text size="sm" c="dimmed" data-testid="audit-empty">
                      {t('people.audit.empty')}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {rows.map((row) => {
                const compact = JSON.stringify(row.detail);
                const long = compact.length > compactLength;
                const expanded = open.has(row.id);
                return (
                  <Table.Tr key={row.id} data-testid="audit-row" data-event={row.event} data-audit-id={row.id} style={{ verticalAlign: 'top' }}>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        {formatDate(row.at, language)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500} c={row.event === 'auth.sign_in_failed' || row.event === 'auth.locked' ? 'red' : undefined} data-testid="audit-event">
                        {eventLabel(row.event)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {row.username ?? '–'}
                      {row.userId === null && row.username !== null && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          ({t('people.audit.unknownUser')})
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{workspaceName(row.workspaceId)}</Table.Td>
                    <Table.Td data-testid="audit-detail">
                      {compact === '{}' ? (
                        <Text size="sm" c="dimmed">
                          –
                        </Text>
                      ) : (
                        <Group gap={4} wrap="nowrap" align="flex-start">
                          {long && (
                            <ActionIcon variant="subtle" size="sm" aria-label={expanded ? t('people.audit.collapse') : t('people.audit.expand')} aria-expanded={expanded} onClick={() => toggle(row.id)} data-testid="audit-detail-toggle">
                              {expanded ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
                            </ActionIcon>
                          )}
                          {expanded ? (
                            <Code block style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                              {JSON.stringify(row.detail, null, 2)}
                            </Code>
                          ) : (
                            <Code style={{ wordBreak: 'break-all', cursor: long ? 'pointer' : undefined }} onClick={long ? () => toggle(row.id) : undefined}>
                              {long ? `${compact.slice(0, compactLength)}…` : compact}
                            </Code>
                          )}
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      {pages > 1 && (
        <Group justify="center">
          <Pagination value={page} onChange={setPage} total={pages} data-testid="audit-pagination" />
        </Group>
      )}
    </Stack>
  );
}
