import { Button, Group, Modal, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A yes/no question in a real dialog (focus trapped, aria-modal), not window.confirm. */
export function ConfirmDialog(props: { opened: boolean; title: string; text: string; confirmLabel: string; danger?: boolean; onConfirm: () => void; onClose: () => void; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} centered>
      <Text size="sm" data-testid={props.testId}>
        {props.text}
      </Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={props.onClose}>
          {t('common.cancel')}
        </Button>
        <Button color={props.danger ? 'red' : undefined} data-testid={props.testId ? `${props.testId}-confirm` : undefined} onClick={props.onConfirm}>
          {props.confirmLabel}
        </Button>
      </Group>
    </Modal>
  );
}
