import { useApp } from '../store.ts';

interface EntitySelectProps {
  kind: 'workspace' | 'model';
  value: number | null;
  onChange: (id: number | null) => void;
  /** Label of an extra first option meaning "any"; without it a choice is required. */
  anyLabel?: string;
  testId?: string;
  ariaLabel?: string;
}

/** The workspace or model picker used by the chat, log, document and export screens. */
export function EntitySelect({ kind, value, onChange, anyLabel, testId, ariaLabel }: EntitySelectProps) {
  // Select the stored arrays themselves (stable references); mapping inside the selector would
  // hand React a new array on every store read.
  const workspaces = useApp((state) => state.workspaces);
  const models = useApp((state) => state.models);
  const options = kind === 'workspace' ? workspaces.map((w) => ({ id: w.id, name: w.name })) : models.map((m) => ({ id: m.id, name: m.displayName }));
  return (
    <select data-testid={testId} aria-label={ariaLabel} value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}>
      {anyLabel !== undefined && <option value="">{anyLabel}</option>}
      {options.map((option) => (
        <option key={option.id} value={option.id}>
          {option.name}
        </option>
      ))}
    </select>
  );
}
