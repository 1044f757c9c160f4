import { Button, FileButton, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { PathInput } from './PathInput.tsx';

/** A file read in the browser: what the API's `text` inputs take. */
export interface PickedFile {
  name: string;
  text: string;
}

/** Where an import reads from: a path on the machine running EvalDesk, or a file the browser read. */
export interface FileSource {
  mode: 'path' | 'browser';
  path: string;
  picked: PickedFile | null;
}

export const emptyFileSource: FileSource = { mode: 'path', path: '', picked: null };

/** The API's limit on a text sent instead of a path. */
const maxBrowserBytes = 20_000_000;

/** The API input for `source` (`path` or `text`), or null while nothing is chosen. */
export function fileSourceInput(source: FileSource): { path: string } | { text: string } | null {
  if (source.mode === 'path') return source.path.trim() ? { path: source.path.trim() } : null;
  return source.picked ? { text: source.picked.text } : null;
}

/** The chosen file's name (path or picked file), for guessing the format from its extension. */
export function fileSourceName(source: FileSource): string {
  return source.mode === 'path' ? source.path.trim() : (source.picked?.name ?? '');
}

/** Why a picked file cannot be sent: an i18n key, so the message is in the user's language. */
class BrowserFileError extends Error {
  readonly key: 'files.tooLargeForBrowser' | 'files.notUtf8';
  constructor(key: BrowserFileError['key']) {
    super(key);
    this.key = key;
  }
}

/**
 * Reads a file picked in the browser as text. Excel's "Unicode text" is UTF-16 with a BOM; any
 * other file must be UTF-8: a legacy encoding (CP949, Shift_JIS…) is refused rather than turned
 * into replacement characters, since only the path route detects encodings.
 */
export async function readPickedFile(file: File): Promise<PickedFile> {
  if (file.size > maxBrowserBytes) throw new BrowserFileError('files.tooLargeForBrowser');
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { name: file.name, text: new TextDecoder('utf-16le').decode(bytes) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { name: file.name, text: new TextDecoder('utf-16be').decode(bytes) };
  try {
    return { name: file.name, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    throw new BrowserFileError('files.notUtf8');
  }
}

interface Props {
  label: string;
  /** File extensions offered (without dots). */
  extensions: string[];
  value: FileSource;
  onChange: (source: FileSource) => void;
  /** A file the browser cannot hand over (too large, not UTF-8), in the user's language. */
  onError: (message: string) => void;
  /** Prefix of the test ids: `<testId>-path`, `<testId>-pick`. */
  testId: string;
}

/**
 * A file to import, given by path (the desktop picker or the server-side file browser, so the
 * encoding is detected on the machine running EvalDesk) or picked in the browser and sent as text
 * (the web bridge used from a browser whose files are not on that machine).
 */
export function FileSourceInput({ label, extensions, value, onChange, onError, testId }: Props) {
  const { t } = useTranslation();
  const pick = async (file: File | null) => {
    if (!file) return;
    try {
      onChange({ ...value, picked: await readPickedFile(file) });
    } catch (caught) {
      onError(caught instanceof BrowserFileError ? t(caught.key) : String(caught));
    }
  };
  return (
    <Stack gap="xs">
      <SegmentedControl
        value={value.mode}
        onChange={(mode) => onChange({ ...value, mode: mode as FileSource['mode'] })}
        data={[
          { value: 'path', label: t('files.fromPath') },
          { value: 'browser', label: t('files.fromBrowser') },
        ]}
        data-testid={`${testId}-mode`}
      />
      {value.mode === 'path' ? (
        <PathInput label={label} kind="file" extensions={extensions} value={value.path} onChange={(path) => onChange({ ...value, path })} testId={`${testId}-path`} />
      ) : (
        <Group gap="sm">
          <FileButton onChange={(file) => void pick(file)} accept={extensions.map((extension) => `.${extension}`).join(',')}>
            {(props) => (
              <Button {...props} variant="default" leftSection={<IconUpload size={16} />} data-testid={`${testId}-pick`}>
                {t('files.pick')}
              </Button>
            )}
          </FileButton>
          <Text size="sm" c="dimmed" data-testid={`${testId}-picked`}>
            {value.picked?.name ?? t('files.nothingPicked')}
          </Text>
        </Group>
      )}
    </Stack>
  );
}
