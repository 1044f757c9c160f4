import { Button, Group, Kbd, NativeSelect, Stack, TextInput, Textarea } from '@mantine/core';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationLog, Evaluation, Priority, Verdict } from '../../../shared/contract/entities.ts';
import { api, describeError } from '../api.ts';
import { isComposing, isTypingTarget } from '../keyboard.ts';
import { useDraft } from './useDraft.ts';

interface Form {
  evaluation: Verdict | null;
  reason: string;
  correctAnswer: string;
  priority: Priority | null;
  memo: string;
}

const emptyForm: Form = { evaluation: null, reason: '', correctAnswer: '', priority: null, memo: '' };

/** A saved verdict as the panel shows it: an evaluation, or a re-judged answer of a batch run. */
export type SavedJudgement = Pick<Evaluation, 'evaluation' | 'reason' | 'correctAnswer' | 'priority'> & { memo?: string | null; updatedAt?: string };

/** What a save sends: only the fields that apply to the verdict. */
export interface Judgement {
  evaluation: Verdict;
  memo: string | null;
  reason?: string | null;
  correctAnswer?: string | null;
  priority?: Priority | null;
}

function fromEvaluation(evaluation: SavedJudgement | null): Form {
  if (!evaluation) return emptyForm;
  return {
    evaluation: evaluation.evaluation,
    reason: evaluation.reason ?? '',
    correctAnswer: evaluation.correctAnswer ?? '',
    priority: evaluation.priority,
    memo: evaluation.memo ?? '',
  };
}

export interface EvaluationPanelProps {
  log: Pick<ConversationLog, 'id' | 'answer'>;
  /** The current user's saved verdict on this log, if any. */
  existing: SavedJudgement | null;
  onSaved?: () => void;
  autoFocus?: boolean;
  /** Saves somewhere else than `evaluations.save` (re-judging a batch run's answer). */
  submit?: (judgement: Judgement) => Promise<void>;
  /** The draft's key when it is not the log's own evaluation. */
  draftKey?: string;
  /** A 1 needs nothing more: save it at once (re-judging, where every key press is a verdict). */
  saveGoodAtOnce?: boolean;
}

/** What a screen around the panel may do with it (the log browser's 1/2/3 keys). */
export interface EvaluationPanelHandle {
  choose(verdict: Verdict): void;
}

/**
 * Keyboard-first judging of one answer: 1/2/3 set the verdict; 2 and 3 move to the correct answer,
 * pre-filled with the model's answer; Ctrl/Cmd+Enter saves. Every change is kept as a draft.
 * A 2 or 3 without a correct answer asks once before saving: it would never be exported.
 */
export const EvaluationPanel = forwardRef<EvaluationPanelHandle, EvaluationPanelProps>(function EvaluationPanel({ log, existing, onSaved, autoFocus, submit, draftKey: givenDraftKey, saveGoodAtOnce }, ref) {
  const { t } = useTranslation();
  const [form, setForm] = useState<Form>(fromEvaluation(existing));
  const [state, setState] = useState<'saved' | 'dirty' | 'saving' | 'error' | 'new'>(existing ? 'saved' : 'new');
  const [error, setError] = useState<string | null>(null);
  const [restored, setRestored] = useState(false);
  /** Asking "save without a correction?" happens once per answer. */
  const [confirmingEmpty, setConfirmingEmpty] = useState(false);
  const [emptyConfirmed, setEmptyConfirmed] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const correction = useRef<HTMLTextAreaElement>(null);
  const draftKey = givenDraftKey ?? `evaluation:${log.id}`;
  const { discard } = useDraft(draftKey, form, state === 'dirty');

  // A draft newer than the saved verdict wins: it is what the person typed last.
  useEffect(() => {
    let cancelled = false;
    setForm(fromEvaluation(existing));
    setState(existing ? 'saved' : 'new');
    setRestored(false);
    setConfirmingEmpty(false);
    setEmptyConfirmed(false);
    api.call('drafts.get', { key: draftKey }).then((draft) => {
      if (cancelled || !draft) return;
      if (!existing || existing.updatedAt === undefined || draft.updatedAt > existing.updatedAt) {
        setForm({ ...emptyForm, ...(draft.value as Partial<Form>) });
        setState('dirty');
        setRestored(true);
      }
    }, () => {});
    return () => {
      cancelled = true;
    };
  }, [log.id, existing, draftKey]);

  useEffect(() => {
    if (autoFocus) panel.current?.focus();
  }, [autoFocus, log.id]);

  const update = (patch: Partial<Form>) => {
    setForm((current) => ({ ...current, ...patch }));
    setState('dirty');
  };

  const choose = (verdict: Verdict) => {
    if (verdict === 1 && saveGoodAtOnce) {
      setForm((current) => ({ ...current, evaluation: 1 }));
      void save(false, { ...form, evaluation: 1 });
      return;
    }
    const patch: Partial<Form> = { evaluation: verdict };
    if (verdict !== 1 && form.correctAnswer === '') patch.correctAnswer = log.answer;
    update(patch);
    // 2 and 3 go to the correction; 1 keeps the keyboard in the panel, ready for Ctrl+Enter.
    setTimeout(() => (verdict !== 1 ? correction.current?.focus() : panel.current?.focus()), 0);
  };

  useImperativeHandle(ref, () => ({ choose }));

  const save = async (allowEmpty = emptyConfirmed, values: Form = form) => {
    if (values.evaluation === null) return;
    if (values.evaluation !== 1 && values.correctAnswer.trim() === '' && !allowEmpty) {
      setConfirmingEmpty(true);
      return;
    }
    setConfirmingEmpty(false);
    setState('saving');
    setError(null);
    try {
      // Seed 001: reason, correct answer and priority belong to verdicts 2 and 3 only; the form
      // keeps them while the person flips verdicts, and only the applicable ones are sent.
      const judgement: Judgement = {
        evaluation: values.evaluation,
        memo: values.memo || null,
        ...(values.evaluation !== 1 && { reason: values.reason || null, correctAnswer: values.correctAnswer || null, priority: values.priority }),
      };
      if (submit) await submit(judgement);
      else await api.call('evaluations.save', { logId: log.id, ...judgement });
      await discard();
      setState('saved');
      setRestored(false);
      onSaved?.();
    } catch (caught) {
      setState('error');
      setError(describeError(caught));
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    // Enter and digits confirm an IME conversion: never a shortcut while composing.
    if (isComposing(event)) return;
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
      event.preventDefault();
      void save();
      return;
    }
    if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === '1' || event.key === '2' || event.key === '3') {
      event.preventDefault();
      choose(Number(event.key) as Verdict);
    }
  };

  const verdicts: Array<{ value: Verdict; label: string; color: string }> = [
    { value: 1, label: t('eval.good'), color: 'teal' },
    { value: 2, label: t('eval.insufficient'), color: 'yellow' },
    { value: 3, label: t('eval.wrong'), color: 'red' },
  ];
  const needsCorrection = form.evaluation === 2 || form.evaluation === 3;

  return (
    <div className="evaluation" ref={panel} tabIndex={0} onKeyDown={onKeyDown} data-testid="evaluation-panel" data-state={state} data-verdict={(state === 'saved' ? form.evaluation : existing?.evaluation) ?? ''} aria-label={t('eval.title')}>
      <Group gap={6} wrap="wrap">
        {verdicts.map((verdict) => (
          <Button
            key={verdict.value}
            size="sm"
            color={verdict.color}
            variant={form.evaluation === verdict.value ? 'filled' : 'default'}
            data-testid={`verdict-${verdict.value}`}
            aria-pressed={form.evaluation === verdict.value}
            leftSection={<Kbd size="xs">{verdict.value}</Kbd>}
            onClick={() => choose(verdict.value)}
          >
            {verdict.label}
          </Button>
        ))}
        <span className={`save-state ${state}`} data-testid="evaluation-state">
          {state !== 'new' && t(`eval.state.${state}`)}
        </span>
      </Group>
      {restored && <p className="notice small">{t('eval.restored')}</p>}
      {needsCorrection && (
        <Stack gap={6}>
          <Textarea ref={correction} label={t('eval.correctAnswer')} data-testid="correct-answer" autosize minRows={4} maxRows={14} value={form.correctAnswer} onChange={(e) => update({ correctAnswer: e.currentTarget.value })} />
          {form.correctAnswer.trim() === '' && <p className="hint">{t('eval.draftNote')}</p>}
          <Group grow align="flex-start">
            <TextInput label={t('eval.reason')} data-testid="reason" value={form.reason} onChange={(e) => update({ reason: e.currentTarget.value })} />
            <NativeSelect
              label={t('eval.priority')}
              data-testid="priority"
              value={form.priority === null ? '' : String(form.priority)}
              onChange={(e) => update({ priority: e.currentTarget.value === '' ? null : (Number(e.currentTarget.value) as Priority) })}
              data={[{ value: '', label: '–' }, ...([1, 2, 3] as const).map((priority) => ({ value: String(priority), label: `${priority} · ${t(`eval.priorities.${priority}`)}` }))]}
            />
          </Group>
        </Stack>
      )}
      <TextInput label={t('eval.memo')} data-testid="memo" value={form.memo} onChange={(e) => update({ memo: e.currentTarget.value })} />
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {confirmingEmpty && (
        <div className="confirm" role="alertdialog" aria-label={t('eval.confirmEmpty.title')} data-testid="confirm-empty">
          <p>
            <strong>{t('eval.confirmEmpty.title')}</strong> {t('eval.confirmEmpty.text')}
          </p>
          <Group gap="xs">
            <Button
              size="xs"
              data-testid="confirm-empty-write"
              autoFocus
              onClick={() => {
                setConfirmingEmpty(false);
                correction.current?.focus();
              }}
            >
              {t('eval.confirmEmpty.write')}
            </Button>
            <Button
              size="xs"
              variant="default"
              data-testid="confirm-empty-save"
              onClick={() => {
                setEmptyConfirmed(true);
                void save(true);
              }}
            >
              {t('eval.confirmEmpty.save')}
            </Button>
          </Group>
        </div>
      )}
      <Group gap="sm">
        <Button data-testid="evaluation-save" disabled={form.evaluation === null} loading={state === 'saving'} rightSection={<Kbd size="xs">Ctrl+Enter</Kbd>} onClick={() => void save()}>
          {t('eval.save')}
        </Button>
        <span className="hint">{t('eval.keys')}</span>
      </Group>
    </div>
  );
});
