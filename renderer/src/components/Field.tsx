import type { ReactNode } from 'react';

/** A labelled form row; the label wraps the control so clicking the text focuses it. */
export function Field(props: { label: string; children: ReactNode; hint?: string; wide?: boolean }) {
  return (
    <label className={props.wide ? 'field wide' : 'field'}>
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.hint && <span className="hint">{props.hint}</span>}
    </label>
  );
}

export function ErrorText(props: { error: string | null; testId?: string }) {
  if (!props.error) return null;
  return (
    <p className="error-text" role="alert" data-testid={props.testId ?? 'error'}>
      {props.error}
    </p>
  );
}
