import { Alert, Anchor, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPencil, IconUserPlus } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '../../../../shared/contract/entities.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { formatDate } from '../../format.ts';
import { useApp } from '../../store.ts';
import { policyHint, RoleBadge } from './common.tsx';
import { localDay, UserDialog } from './UserDialog.tsx';

/**
 * The people who use EvalDesk (issue 14). Admins add and change users; managers see the list
 * (they add users to workspaces). The main process checks the same, whatever this screen shows.
 */
export function UsersScreen() {
  const { t } = useTranslation();
  const { user: me, authMode, passwordPolicy, language, go, setUser } = useApp();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const canEdit = me?.role === 'admin';

  const reload = useCallback(async () => {
    try {
      setUsers(await api.call('users.list', {}));
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  const saved = (user: User) => {
    setUser(user);
    if (editing !== 'new') notifications.show({ message: t('people.users.saved', { name: user.displayName }), color: 'teal' });
    void reload();
  };

  const expiry = (user: User) => {
    if (!user.expiresAt) return t('people.users.never');
    const expired = Date.parse(user.expiresAt) <= Date.now();
    return (
      <Text span size="sm" c={expired ? 'red' : undefined}>
        {localDay(user.expiresAt)}
        {expired && ` · ${t('people.users.expired')}`}
      </Text>
    );
  };

  return (
    <Stack gap="md" maw={1280} data-testid="users-screen">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{t('people.users.title')}</Title>
          <Text size="sm" c="dimmed">
            {canEdit ? t('people.users.explain') : t('people.users.readOnly')}
          </Text>
        </div>
        {canEdit && (
          <Button leftSection={<IconUserPlus size={16} />} onClick={() => setEditing('new')} data-testid="user-add">
            {t('people.users.add')}
          </Button>
        )}
      </Group>
      {authMode === 'single' && (
        <Alert color="blue" data-testid="users-single-mode">
          {t('people.users.singleMode')}{' '}
          <Anchor component="button" size="sm" onClick={() => go('settings')}>
            {t('people.users.openSettings')}
          </Anchor>
        </Alert>
      )}
      <ErrorText error={error} testId="users-error" />
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={1100}>
          <Table striped highlightOnHover data-testid="users-table" verticalSpacing={6} styles={{ th: { whiteSpace: 'nowrap' } }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('people.fields.username')}</Table.Th>
                <Table.Th>{t('people.fields.displayName')}</Table.Th>
                <Table.Th>{t('people.fields.role')}</Table.Th>
                <Table.Th>{t('people.fields.department')}</Table.Th>
                <Table.Th>{t('people.fields.position')}</Table.Th>
                <Table.Th>{t('people.fields.securityLevelShort')}</Table.Th>
                <Table.Th>{t('people.fields.status')}</Table.Th>
                <Table.Th>{t('people.fields.expires')}</Table.Th>
                <Table.Th>{t('people.fields.dailyLimit')}</Table.Th>
                <Table.Th>{t('people.fields.lastSignIn')}</Table.Th>
                {canEdit && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users === null && (
                <Table.Tr>
                  <Table.Td colSpan={11}>
                    <Text size="sm" c="dimmed">
                      {t('common.loading')}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {users?.map((user) => (
                <Table.Tr key={user.id} data-testid="user-row" data-username={user.username} data-user-id={user.id} data-suspended={user.suspended}>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {user.username}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {user.displayName}
                    {user.id === me?.id && (
                      <Text span size="xs" c="dimmed">
                        {' '}
                        ({t('people.users.you')})
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <RoleBadge role={user.role} />
                  </Table.Td>
                  <Table.Td>{user.department || '–'}</Table.Td>
                  <Table.Td>{user.position || '–'}</Table.Td>
                  <Table.Td>{user.securityLevel}</Table.Td>
                  <Table.Td>
                    {user.suspended ? (
                      <Badge color="red" variant="light" size="sm" data-testid="user-suspended-badge">
                        {t('people.users.suspended')}
                      </Badge>
                    ) : !user.hasPassword && authMode === 'multi' ? (
                      <Badge color="gray" variant="light" size="sm">
                        {t('people.users.noPassword')}
                      </Badge>
                    ) : (
                      <Badge color="teal" variant="light" size="sm">
                        {t('people.users.active')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{expiry(user)}</Table.Td>
                  <Table.Td>{user.role === 'admin' ? t('people.users.adminUnlimited') : (user.dailyMessageLimit?.toLocaleString(language) ?? t('people.users.noLimit'))}</Table.Td>
                  <Table.Td>{user.lastSignInAt ? formatDate(user.lastSignInAt, language) : t('people.users.never')}</Table.Td>
                  {canEdit && (
                    <Table.Td>
                      <Button size="xs" variant="subtle" leftSection={<IconPencil size={14} />} onClick={() => setEditing(user)} data-testid="user-edit">
                        {t('common.edit')}
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      {canEdit && (
        <Text size="xs" c="dimmed">
          {t('people.users.policy', { policy: policyHint(t, passwordPolicy) ?? '' })}
        </Text>
      )}
      <UserDialog opened={editing !== null} user={editing === 'new' || editing === null ? null : editing} onClose={() => setEditing(null)} onSaved={saved} />
    </Stack>
  );
}
