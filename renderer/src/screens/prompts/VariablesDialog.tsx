import { Button, Group, Modal, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TemplateVariable } from '../../../../shared/prompt-template.ts';

/** Before a session starts: values for the prompt template's own variables (built-ins fill themselves). */
export function VariablesDialog({ variables, onCancel, onStart }: { variables: TemplateVariable[]; onCancel: () => void; onStart: (values: Record<string, string>) => void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(variables.map((variable) => [variable.name, variable.default ?? ''])));
  const missing = variables.some((variable) => variable.required && (values[variable.name] ?? '').trim() === '');
  const submit = () => onStart(Object.fromEntries(Object.entries(values).filter(([, value]) => value !== '')));
  return (
    <Modal opened onClose={onCancel} title={t('prompts.fillTitle')} data-testid="variables-dialog">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!missing) submit();
        }}
      >
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('prompts.fillHint')}
          </Text>
          {variables.map((variable) => {
            const common = { label: variable.label || variable.name, required: variable.required, value: values[variable.name] ?? '', 'data-testid': `variable-${variable.name}` };
            const change = (value: string) => setValues((current) => ({ ...current, [variable.name]: value }));
            return variable.type === 'choice' ? (
              <NativeSelect key={variable.name} {...common} onChange={(e) => change(e.currentTarget.value)} data={[{ value: '', label: '–' }, ...variable.options]} />
            ) : (
              <TextInput key={variable.name} {...common} type={variable.type === 'number' ? 'number' : variable.type === 'date' ? 'date' : 'text'} onChange={(e) => change(e.currentTarget.value)} />
            );
          })}
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" disabled={missing} data-testid="variables-start">
              {t('prompts.start')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
