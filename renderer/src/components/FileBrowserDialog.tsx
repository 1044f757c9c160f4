import { Alert, Badge, Button, Checkbox, Group, Modal, ScrollArea, SegmentedControl, Stack, Table, Text, TextInput, UnstyledButton } from '@mantine/core';
import { IconArrowUp, IconFile, IconFolder } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodOutput } from '../../../shared/contract/api.ts';
import { api, describeError } from '../api.ts';
import { formatBytes } from '../format.ts';

type Listing = MethodOutput<'files.browse'>;

interface FileBrowserDialogProps {
  opened: boolean;
  /** What is being chosen: one folder, or files (several when `multiple`). */
  kind: 'folder' | 'file' | 'files-or-folders';
  multiple?: boolean;
  extensions?: string[];
  start?: string | undefined;
  onClose: () => void;
  onPick: (paths: string[]) => void;
}

/**
 * The browser-mode file picker: folders and files under the user's home, the data folder and the
 * models folder, listed by the main process (which enforces those roots). A path can be typed too.
 */
export function FileBrowserDialog({ opened, kind, multiple, extensions, start, onClose, onPick }: FileBrowserDialogProps) {
  const { t } = useTranslation();
  const [listing, setListing] = useState<Listing | null>(null);
  const [typed, setTyped] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);

  const open = async (path?: string) => {
    setError(null);
    try {
      const next = await api.call('files.browse', { ...(path && { path }), show: kind === 'folder' ? 'folders' : 'both', ...(extensions && { extensions }) });
      setListing(next);
      setTyped(next.path);
      setSelected(next.selected ? [next.selected] : []);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  useEffect(() => {
    if (opened) void open(start);
  }, [opened]);

  const toggle = (path: string) => setSelected((current) => (current.includes(path) ? current.filter((p) => p !== path) : multiple ? [...current, path] : [path]));
  const choose = () => onPick(kind === 'folder' ? [selected[0] ?? listing?.path ?? typed] : selected);

  return (
    <Modal opened={opened} onClose={onClose} size="xl" title={kind === 'folder' ? t('files.chooseFolder') : t('files.chooseFiles')}>
      <Stack gap="sm" data-testid="file-browser">
        {listing && (
          <SegmentedControl
            size="xs"
            value={listing.roots.find((root) => listing.path === root.path || listing.path.startsWith(`${root.path}/`))?.id ?? ''}
            onChange={(id) => void open(listing.roots.find((root) => root.id === id)?.path)}
            data={listing.roots.map((root) => ({ value: root.id, label: t(`files.roots.${root.id}`) }))}
          />
        )}
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void open(typed);
          }}
        >
          <Group gap={6} wrap="nowrap">
            <Button variant="default" size="sm" disabled={!listing?.parent} onClick={() => void open(listing?.parent ?? undefined)} aria-label={t('files.up')} data-testid="file-browser-up">
              <IconArrowUp size={16} />
            </Button>
            <TextInput style={{ flex: 1 }} value={typed} onChange={(event) => setTyped(event.currentTarget.value)} aria-label={t('files.path')} data-testid="file-browser-path" spellCheck={false} />
            <Button type="submit" variant="default" size="sm">
              {t('files.go')}
            </Button>
          </Group>
        </form>
        {error && (
          <Alert color="red" data-testid="file-browser-error">
            {error}
          </Alert>
        )}
        <ScrollArea h={360} type="auto">
          <Table highlightOnHover stickyHeader verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('files.name')}</Table.Th>
                <Table.Th w={110}>{t('files.size')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {listing?.entries.map((entry) => {
                const pickable = kind === 'folder' ? entry.kind === 'folder' : kind === 'file' ? entry.kind === 'file' : true;
                return (
                  <Table.Tr key={entry.path} data-testid="file-browser-entry" data-kind={entry.kind} bg={selected.includes(entry.path) ? 'var(--mantine-primary-color-light)' : undefined}>
                    <Table.Td>
                      <Group gap={8} wrap="nowrap">
                        {pickable && (multiple || kind === 'files-or-folders') && <Checkbox size="xs" checked={selected.includes(entry.path)} onChange={() => toggle(entry.path)} aria-label={entry.name} />}
                        <UnstyledButton
                          // A folder is chosen by a click when folders are what is asked for, else opened; a file toggles.
                          onClick={() => (entry.kind === 'folder' ? (kind === 'folder' ? setSelected([entry.path]) : void open(entry.path)) : pickable && toggle(entry.path))}
                          onDoubleClick={() => entry.kind === 'folder' && void open(entry.path)}
                        >
                          <Group gap={6} wrap="nowrap">
                            {entry.kind === 'folder' ? <IconFolder size={16} /> : <IconFile size={16} />}
                            <Text size="sm">{entry.name}</Text>
                          </Group>
                        </UnstyledButton>
                        {entry.kind === 'folder' && (
                          <Button size="compact-xs" variant="subtle" onClick={() => void open(entry.path)} aria-label={t('files.open', { name: entry.name })}>
                            {t('files.openShort')}
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {entry.kind === 'file' && entry.sizeBytes !== null ? formatBytes(entry.sizeBytes) : ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          {listing?.entries.length === 0 && (
            <Text c="dimmed" size="sm" p="sm">
              {t('files.empty')}
            </Text>
          )}
        </ScrollArea>
        {listing?.truncated && <Badge color="yellow" variant="light">{t('files.truncated')}</Badge>}
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            {kind === 'folder' ? (selected[0] ?? listing?.path) : t('files.selected', { count: selected.length })}
          </Text>
          <Group gap="xs">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button onClick={choose} disabled={kind !== 'folder' && selected.length === 0} data-testid="file-browser-choose">
              {kind === 'folder' ? t('files.chooseThisFolder') : t('files.choose')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
