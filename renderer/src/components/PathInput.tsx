import { Button, TextInput } from '@mantine/core';
import { IconFolderOpen } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FileBrowserDialog } from './FileBrowserDialog.tsx';

interface PathInputProps {
  label: string;
  /** What may be picked; an adapter is a .gguf file or a folder (PEFT, MLX-LM). */
  kind: 'folder' | 'file' | 'files-or-folders';
  value: string;
  onChange: (path: string) => void;
  /** File extensions offered when picking a file (without dots). */
  extensions?: string[];
  description?: string;
  testId?: string;
}

/**
 * A path field with "Browse…": the desktop app's native picker, or in a browser the server-side
 * file browser. Typing a path stays possible either way.
 */
export function PathInput({ label, kind, value, onChange, extensions, description, testId }: PathInputProps) {
  const { t } = useTranslation();
  const [browsing, setBrowsing] = useState(false);
  const native = window.evaldeskFiles;
  const browse = async () => {
    if (native && kind === 'folder') {
      const [picked] = await native.pick(true);
      if (picked) onChange(picked);
      return;
    }
    setBrowsing(true);
  };
  return (
    <>
      <TextInput
        label={label}
        description={description}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        data-testid={testId}
        spellCheck={false}
        rightSectionWidth={110}
        rightSection={
          <Button size="compact-sm" variant="default" leftSection={<IconFolderOpen size={14} />} onClick={() => void browse()} data-testid={testId ? `${testId}-browse` : undefined}>
            {t('files.browse')}
          </Button>
        }
      />
      <FileBrowserDialog
        opened={browsing}
        kind={kind}
        start={value || undefined}
        {...(extensions && { extensions })}
        onClose={() => setBrowsing(false)}
        onPick={(paths) => {
          setBrowsing(false);
          if (paths[0]) onChange(paths[0]);
        }}
      />
    </>
  );
}
