import { z } from 'zod';

/**
 * System prompt templates (issue 14, seed 000's system_prompt_template and
 * system_prompt_variables): `{{name}}` placeholders filled when a session starts. Built-ins come
 * from the user and the moment; a template declares its own typed variables with defaults. The
 * resolved text is what the session freezes, so an answer always shows the prompt it was given.
 */
export const builtInVariables = ['user_name', 'department', 'position', 'today', 'now', 'workspace'] as const;
export type BuiltInVariable = (typeof builtInVariables)[number];

export const variableTypes = ['text', 'number', 'date', 'choice'] as const;

export const templateVariableSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a variable name is lower-case letters, digits and _ (starting with a letter)'),
    label: z.string().max(200).default(''),
    type: z.enum(variableTypes).default('text'),
    required: z.boolean().default(false),
    default: z.string().max(10_000).nullable().default(null),
    /** For `choice`: the allowed values. */
    options: z.array(z.string().min(1).max(200)).max(100).default([]),
  })
  .strict();
export type TemplateVariable = z.output<typeof templateVariableSchema>;

export type TemplateProblem =
  | { code: 'template_unknown_variable'; name: string }
  | { code: 'template_missing_variable'; name: string }
  | { code: 'template_invalid_value'; name: string; type: string }
  | { code: 'template_duplicate_variable'; name: string };

const placeholder = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g;

/** The names a template text uses, in order of first use. */
export function placeholdersOf(body: string): string[] {
  return [...new Set([...body.matchAll(placeholder)].map((match) => match[1]!))];
}

/** Problems of a template as written: placeholders that are neither built in nor declared, names declared twice. */
export function checkTemplate(body: string, variables: readonly TemplateVariable[]): TemplateProblem[] {
  const declared = new Set<string>();
  const problems: TemplateProblem[] = [];
  for (const variable of variables) {
    if (declared.has(variable.name) || (builtInVariables as readonly string[]).includes(variable.name)) problems.push({ code: 'template_duplicate_variable', name: variable.name });
    declared.add(variable.name);
  }
  for (const name of placeholdersOf(body)) {
    if (!declared.has(name) && !(builtInVariables as readonly string[]).includes(name)) problems.push({ code: 'template_unknown_variable', name });
  }
  return problems;
}

function valid(variable: TemplateVariable, value: string): boolean {
  switch (variable.type) {
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
    case 'choice':
      return variable.options.includes(value);
    default:
      return true;
  }
}

/**
 * Fills a template. `values` are what the user gave for declared variables (defaults fill the
 * rest); built-ins come from `context`. Returns the text, or every problem (a required variable
 * without a value, a value of the wrong type, a value for a variable the template does not have).
 */
export function resolveTemplate(
  body: string,
  variables: readonly TemplateVariable[],
  values: Readonly<Record<string, string>>,
  context: { userName: string; department: string; position: string; workspace: string; now: Date },
): { ok: true; text: string; used: Record<string, string> } | { ok: false; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = checkTemplate(body, variables);
  for (const name of Object.keys(values)) if (!variables.some((variable) => variable.name === name)) problems.push({ code: 'template_unknown_variable', name });
  const builtIns: Record<BuiltInVariable, string> = {
    user_name: context.userName,
    department: context.department,
    position: context.position,
    today: context.now.toISOString().slice(0, 10),
    now: `${context.now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    workspace: context.workspace,
  };
  const used: Record<string, string> = {};
  for (const variable of variables) {
    const given = values[variable.name];
    const value = given !== undefined && given !== '' ? given : (variable.default ?? '');
    if (value === '' && variable.required) problems.push({ code: 'template_missing_variable', name: variable.name });
    else if (value !== '' && !valid(variable, value)) problems.push({ code: 'template_invalid_value', name: variable.name, type: variable.type });
    used[variable.name] = value;
  }
  if (problems.length > 0) return { ok: false, problems };
  const text = body.replace(placeholder, (_match, name: string) => (name in used ? used[name]! : builtIns[name as BuiltInVariable]));
  return { ok: true, text, used };
}
