import { NativeSelect } from '@mantine/core';
import { useApp } from '../store.ts';

interface EntitySelectProps {
  kind: 'workspace' | 'model';
  value: number | null;
  onChange: (id: number | null) => void;
  /** Label of an extra first option meaning "any"; without it a choice is required. */
  anyLabel?: string;
  /** A visible label; otherwise give `ariaLabel`. */
  label?: string;
  testId?: string;
  ariaLabel?: string;
}

/** The workspace or model picker used by the chat, log, document and export screens. */
export function EntitySelect({ kind, value, onChange, anyLabel, label, testId, ariaLabel }: EntitySelectProps) {
  // Select the stored arrays themselves (stable references); mapping inside the selector would
  // hand React a new array on every store read.
  const workspaces = useApp((state) => state.workspaces);
  const models = useApp((state) => state.models);
  const options = kind === 'workspace' ? workspaces.map((w) => ({ value: String(w.id), label: w.name })) : models.map((m) => ({ value: String(m.id), label: m.displayName }));
  return (
    <NativeSelect
      label={label}
      data-testid={testId}
      aria-label={label ? undefined : ariaLabel}
      value={value === null ? '' : String(value)}
      onChange={(event) => onChange(event.currentTarget.value === '' ? null : Number(event.currentTarget.value))}
      data={[...(anyLabel !== undefined ? [{ value: '', label: anyLabel }] : []), ...options]}
    />
  );
}
