import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuestionOrigin, QuestionSet } from '../../../../shared/contract/reverify.ts';
import { formatDate } from '../../format.ts';
import { useApp } from '../../store.ts';
import { OriginBadge } from './badges.tsx';
import { CreateSetDialog } from './CreateSetDialog.tsx';
import { SetDetail } from './SetDetail.tsx';

interface Props {
  workspaceId: number;
  sets: QuestionSet[];
  reload: () => Promise<void>;
  onStarted: () => void;
}

/** The workspace's question sets; one is opened below the list. */
export function QuestionSetsPanel({ workspaceId, sets, reload, onStarted }: Props) {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<number | null>(null);
  // A set just created shows once the list has it; a deleted one is gone with it.
  const shownId = sets.some((set) => set.id === openId) ? openId : null;

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('reverify.sets.explain')}
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="set-create">
          {t('reverify.sets.create')}
        </Button>
      </Group>
      {sets.length === 0 ? (
        <p className="muted empty-state" data-testid="sets-empty">
          {t('reverify.sets.empty')}
        </p>
      ) : (
        <Table withTableBorder highlightOnHover data-testid="sets-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('reverify.sets.name')}</Table.Th>
              <Table.Th>{t('reverify.sets.items')}</Table.Th>
              <Table.Th>{t('reverify.sets.origins')}</Table.Th>
              <Table.Th>{t('reverify.sets.status')}</Table.Th>
              <Table.Th>{t('reverify.sets.created')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sets.map((set) => (
              <Table.Tr key={set.id} className={set.id === openId ? 'row-active' : 'row-link'} onClick={() => setOpenId(set.id)} data-testid="set-row" aria-selected={set.id === openId}>
                <Table.Td>
                  <button type="button" className="link" onClick={() => setOpenId(set.id)}>
                    {set.name}
                  </button>
                  {set.description && (
                    <Text size="xs" c="dimmed" lineClamp={1}>
                      {set.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{set.itemCount.toLocaleString(language)}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {(Object.entries(set.origins) as Array<[QuestionOrigin, number]>).map(([origin, count]) => (
                      <Group key={origin} gap={2} wrap="nowrap">
                        <OriginBadge origin={origin} />
                        <Text size="xs">{count}</Text>
                      </Group>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={set.status === 'active' ? 'blue' : 'gray'}>
                    {t(`reverify.sets.statuses.${set.status}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDate(set.createdAt, language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {shownId !== null && <SetDetail key={shownId} setId={shownId} onChanged={reload} onStarted={onStarted} onDeleted={() => setOpenId(null)} />}
      <CreateSetDialog
        opened={creating}
        workspaceId={workspaceId}
        onClose={() => setCreating(false)}
        onCreated={(set) => {
          setCreating(false);
          void reload();
          setOpenId(set.id);
        }}
      />
    </Stack>
  );
}
