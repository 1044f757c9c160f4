import { ActionIcon, Button, Group, Stack, TextInput, Textarea } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

export interface TypedQuestion {
  question: string;
  expectedAnswer: string;
  tags: string;
}

export const emptyTypedQuestion: TypedQuestion = { question: '', expectedAnswer: '', tags: '' };

/** The typed rows as set items: empty questions are left out, tags split on commas. */
export function toItems(rows: TypedQuestion[]) {
  return rows
    .filter((row) => row.question.trim() !== '')
    .map((row) => ({
      question: row.question.trim(),
      expectedAnswer: row.expectedAnswer.trim() || null,
      tags: [...new Set(row.tags.split(/[,、，]/u).map((tag) => tag.trim()).filter(Boolean))],
    }));
}

/** Questions typed in, each with an optional expected answer and tags. */
export function TypedQuestions({ rows, onChange }: { rows: TypedQuestion[]; onChange: (rows: TypedQuestion[]) => void }) {
  const { t } = useTranslation();
  const update = (index: number, patch: Partial<TypedQuestion>) => onChange(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  return (
    <Stack gap="sm">
      {rows.map((row, index) => (
        <div key={index} className="typed-question" data-testid="typed-question">
          <Group align="flex-start" gap="xs" wrap="nowrap">
            <Stack gap={6} style={{ flex: 1 }}>
              <Textarea label={t('reverify.item.question')} autosize minRows={1} maxRows={6} value={row.question} onChange={(e) => update(index, { question: e.currentTarget.value })} data-testid="typed-question-text" />
              <Textarea label={t('reverify.item.expected')} autosize minRows={1} maxRows={8} value={row.expectedAnswer} onChange={(e) => update(index, { expectedAnswer: e.currentTarget.value })} data-testid="typed-question-expected" />
              <TextInput label={t('reverify.item.tags')} description={t('reverify.create.tagsHint')} value={row.tags} onChange={(e) => update(index, { tags: e.currentTarget.value })} />
            </Stack>
            <ActionIcon variant="subtle" color="gray" mt={24} aria-label={t('common.delete')} disabled={rows.length === 1} onClick={() => onChange(rows.filter((_, at) => at !== index))}>
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        </div>
      ))}
      <Group>
        <Button variant="default" size="xs" leftSection={<IconPlus size={14} />} onClick={() => onChange([...rows, emptyTypedQuestion])} data-testid="typed-question-add">
          {t('reverify.create.addQuestion')}
        </Button>
      </Group>
    </Stack>
  );
}
