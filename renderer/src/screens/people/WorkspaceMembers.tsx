import { Button, Group, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { IconUserMinus, IconUserPlus } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '../../../../shared/contract/entities.ts';
import type { WorkspaceMember } from '../../../../shared/contract/people.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { formatDate } from '../../format.ts';
import { useApp } from '../../store.ts';
import { RoleBadge } from './common.tsx';

/**
 * Who may use a workspace (issue 14): evaluators and viewers see only the workspaces they are
 * members of; admins and managers see all and add or remove members.
 */
export function WorkspaceMembers({ workspaceId }: { workspaceId: number }) {
  const { t } = useTranslation();
  const { user: me, language } = useApp();
  const canManage = me?.role === 'admin' || me?.role === 'manager';
  const [members, setMembers] = useState<WorkspaceMember[] | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [picked, setPicked] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [list, everyone] = await Promise.all([api.call('workspaces.members', { workspaceId }), canManage ? api.call('users.list', {}) : Promise.resolve([])]);
      setMembers(list);
      setUsers(everyone);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [workspaceId, canManage]);
  useEffect(() => {
    setMembers(null);
    setPicked('');
    void load();
  }, [load]);

  const setMember = async (userId: number, member: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setMembers(await api.call('workspaces.setMember', { workspaceId, userId, member }));
      setPicked('');
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const candidates = users.filter((user) => !user.suspended && !members?.some((member) => member.userId === user.id));

  return (
    <Stack gap="xs" mt="lg" data-testid="workspace-members">
      <Title order={4} mb={0}>
        {t('people.members.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('people.members.explain')}
      </Text>
      {members !== null && members.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="members-empty">
          {t('people.members.empty')}
        </Text>
      )}
      {members !== null && members.length > 0 && (
        <Table withTableBorder verticalSpacing={4} data-testid="members-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('people.fields.displayName')}</Table.Th>
              <Table.Th>{t('people.fields.username')}</Table.Th>
              <Table.Th>{t('people.fields.role')}</Table.Th>
              <Table.Th>{t('people.members.added')}</Table.Th>
              {canManage && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.map((member) => (
              <Table.Tr key={member.userId} data-testid="member-row" data-username={member.username} data-user-id={member.userId}>
                <Table.Td>{member.displayName}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {member.username}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <RoleBadge role={member.role} />
                </Table.Td>
                <Table.Td>{formatDate(member.addedAt, language)}</Table.Td>
                {canManage && (
                  <Table.Td ta="right">
                    <Button size="xs" variant="subtle" color="red" leftSection={<IconUserMinus size={14} />} disabled={busy} onClick={() => void setMember(member.userId, false)} data-testid="member-remove">
                      {t('people.members.remove')}
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {canManage && (
        <Group gap="xs" align="flex-end">
          <NativeSelect
            label={t('people.members.addLabel')}
            value={picked}
            onChange={(event) => setPicked(event.currentTarget.value)}
            data={[{ value: '', label: candidates.length ? t('people.members.pick') : t('people.members.nobodyLeft') }, ...candidates.map((user) => ({ value: String(user.id), label: `${user.displayName} (${user.username}) · ${t(`people.roles.${user.role}`)}` }))]}
            disabled={candidates.length === 0}
            miw={280}
            data-testid="member-add-select"
          />
          <Button variant="default" leftSection={<IconUserPlus size={16} />} disabled={picked === '' || busy} onClick={() => void setMember(Number(picked), true)} data-testid="member-add">
            {t('people.members.add')}
          </Button>
        </Group>
      )}
      <ErrorText error={error} testId="members-error" />
    </Stack>
  );
}
