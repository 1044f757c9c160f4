/**
 * Inputs generated from the API contract: each method's zod schema, as JSON Schema
 * (`z.toJSONSchema`, zod 4's public API), gives valid values, and every field of a valid value is
 * a place to put a boundary, a wrong type or a hostile value.
 */
import { z } from 'zod';
import { api, type MethodName } from '../../shared/contract/api.ts';
import { deeplyNestedJson, hostileKeys, hostileNumbers, hostileStrings, hugeLength, pollutionPayloads, rawNumber, withOwnKey } from './hostile-values.ts';
import { entityOfField } from './entity-ids.ts';
import type { Random } from './prng.ts';

/** The part of JSON Schema that zod emits for this contract. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  default?: unknown;
}

const schemas = new Map<MethodName, JsonSchema>();

export function inputSchema(method: MethodName): JsonSchema {
  let schema = schemas.get(method);
  if (!schema) {
    // `unrepresentable: 'any'` turns refinements-only schemas (drafts' value) into "anything".
    schema = z.toJSONSchema(api[method].input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    schemas.set(method, schema);
  }
  return schema;
}

export interface GenerationContext {
  random: Random;
  /** Paths for fields the contract marks `format: absolute-path`: real files, hostile and relative ones. */
  paths: readonly string[];
  /** Paths that name real, readable things (documents, a model, folders). */
  goodPaths: readonly string[];
  /**
   * Values that work for string fields the schema cannot describe, by property name (`embedder`:
   * the spec of the installed test embedder); without them the code behind is rarely reached.
   */
  realisticStrings: Readonly<Record<string, readonly string[]>>;
  /** A new, absent folder inside the scratch area, for inputs that must name a fresh folder to succeed. */
  freshPath(): string;
  /** Allow multi-megabyte strings (on-demand runs; the in-suite run keeps them smaller). */
  hugeStrings: boolean;
  /** Ids of rows of an entity (`workspace`, `log`) seen in successful answers: rows that exist. */
  existingIds(entity: string): readonly number[];
}

/** A fuzz case: what to send and a short label that says how it was made. */
export interface GeneratedInput {
  label: string;
  /** The input value; `undefined` leaves `input` out of the request body. */
  input: unknown;
  /** Replacements applied to the serialised body: JSON text too deep to build as a value. */
  rawSubstitutions?: Array<{ marker: string; json: string }>;
}

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';
const wideLetters = '経費精算締め日연차휴가신청合同审核';

function textOfLength(random: Random, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += random.chance(0.85) ? random.pick([...letters]) : random.pick([...wideLetters]);
  return text;
}

function isoDate(random: Random, withTime: boolean): string {
  const iso = new Date(Date.UTC(2025, 0, 1) + random.int(0, 3 * 365) * 86_400_000 + random.int(0, 86_399_999)).toISOString();
  return withTime ? iso : iso.slice(0, 10);
}

function validString(schema: JsonSchema, ctx: GenerationContext, key: string): string {
  const { random } = ctx;
  if (schema.format === 'absolute-path') return random.pick([ctx.freshPath, () => random.pick(ctx.goodPaths), () => random.pick(ctx.paths)])();
  const realistic = Object.hasOwn(ctx.realisticStrings, key) ? ctx.realisticStrings[key]! : [];
  if (realistic.length > 0 && random.chance(0.7)) return random.pick(realistic);
  if (schema.format === 'date-time') return isoDate(random, true);
  if (schema.format === 'date') return isoDate(random, false);
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 1000;
  const pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : null;
  for (let attempt = 0; attempt < 20; attempt++) {
    const length = min + random.int(0, Math.min(max - min, 16));
    // Trimmed fields must not come out blank: no spaces at the ends.
    const text = textOfLength(random, length).replace(/^ | $/g, 'x');
    if (!pattern || pattern.test(text)) return text;
  }
  return 'abc'.slice(0, Math.max(min, Math.min(3, max)));
}

function validNumber(schema: JsonSchema, ctx: GenerationContext, integer: boolean, entity: string | null): number {
  const { random } = ctx;
  const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-6) : -1000);
  const high = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 1e-6) : 1000);
  // Ids (positive integers without a real ceiling) mostly name rows that exist: seeded or seen.
  if (integer && high - low > 1_000_000) {
    const existing = entity ? ctx.existingIds(entity) : [];
    if (existing.length > 0 && random.chance(0.6)) return random.pick(existing);
    return random.pick([low, low, low + 1, low + 2, random.int(low, low + 7), random.int(low, low + 100_000)]);
  }
  if (integer) return random.int(Math.ceil(low), Math.floor(high));
  return low + random.next() * (high - low);
}

/**
 * A value the schema accepts (as far as JSON Schema can say: refinements beyond it are not known).
 * `field` is where it goes (method and property name), which says what an id names.
 */
export function validValue(schema: JsonSchema, ctx: GenerationContext, field: { method: string; key: string }): unknown {
  const { random } = ctx;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return random.pick(schema.enum);
  if (schema.anyOf) return validValue(random.pick(schema.anyOf), ctx, field);
  switch (schema.type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (required.has(key) || random.chance(0.5)) value[key] = validValue(property, ctx, { method: field.method, key });
      }
      return value;
    }
    case 'array': {
      const min = schema.minItems ?? 0;
      const length = min + random.int(0, Math.min((schema.maxItems ?? 5) - min, 3));
      return Array.from({ length }, () => validValue(schema.items ?? {}, ctx, field));
    }
    case 'string':
      return validString(schema, ctx, field.key);
    case 'integer':
      return validNumber(schema, ctx, true, entityOfField(field.method, field.key));
    case 'number':
      return validNumber(schema, ctx, false, null);
    case 'boolean':
      return random.chance(0.5);
    case 'null':
      return null;
    default:
      return anyJsonValue(ctx, 3);
  }
}

/** Anything JSON can carry, for schema-less slots (a draft's value). */
function anyJsonValue(ctx: GenerationContext, depth: number): unknown {
  const { random } = ctx;
  const kind = random.int(0, depth > 0 ? 6 : 4);
  if (kind === 0) return null;
  if (kind === 1) return random.chance(0.5);
  if (kind === 2) return random.pick(hostileNumbers);
  if (kind === 3) return random.pick(hostileStrings);
  if (kind === 4) return textOfLength(random, random.int(0, 40));
  if (kind === 5) return Array.from({ length: random.int(0, 4) }, () => anyJsonValue(ctx, depth - 1));
  const value: Record<string, unknown> = {};
  for (let i = random.int(0, 4); i > 0; i--) withOwnKey(value, random.chance(0.3) ? random.pick(hostileKeys) : textOfLength(random, 5), anyJsonValue(ctx, depth - 1));
  return value;
}

type PathKey = string | number;

/** Every place in a value that a mutation can target: present fields, absent optional ones, array items. */
interface Slot {
  path: PathKey[];
  schema: JsonSchema;
  present: boolean;
}

function slotsOf(schema: JsonSchema, value: unknown, path: PathKey[] = [], out: Slot[] = []): Slot[] {
  const resolved = schema.anyOf?.find((option) => option.type !== 'null') ?? schema;
  if (resolved.type === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, property] of Object.entries(resolved.properties ?? {})) {
      const present = Object.hasOwn(value, key);
      out.push({ path: [...path, key], schema: property, present });
      if (present) slotsOf(property, (value as Record<string, unknown>)[key], [...path, key], out);
    }
  } else if (resolved.type === 'array' && Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push({ path: [...path, index], schema: resolved.items ?? {}, present: true });
      slotsOf(resolved.items ?? {}, item, [...path, index], out);
    });
  }
  return out;
}

function setAt(root: unknown, path: PathKey[], value: unknown): unknown {
  if (path.length === 0) return value;
  let target = root as Record<PathKey, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<PathKey, unknown>;
  withOwnKey(target as Record<string, unknown>, String(path.at(-1)), value);
  return root;
}

function deleteAt(root: unknown, path: PathKey[]): void {
  let target = root as Record<PathKey, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<PathKey, unknown>;
  delete target[path.at(-1)!];
}

function describeType(schema: JsonSchema): string {
  if (schema.format === 'absolute-path') return 'path';
  if (schema.enum || schema.const !== undefined) return 'choice';
  if (schema.anyOf) return describeType(schema.anyOf.find((option) => option.type !== 'null') ?? {});
  return schema.type ?? 'any';
}

/** Values around a field's limits: the limit itself and one step past it. */
function boundaryValues(schema: JsonSchema, ctx: GenerationContext, method: string): unknown[] {
  const type = describeType(schema);
  const resolved = schema.anyOf?.find((option) => option.type !== 'null') ?? schema;
  if (type === 'string' || type === 'path') {
    const min = resolved.minLength ?? 0;
    const max = Math.min(resolved.maxLength ?? 10_000, ctx.hugeStrings ? 4_000_000 : 300_000);
    const prefix = type === 'path' ? `${ctx.goodPaths[0]!}/` : '';
    return [prefix + 'x'.repeat(Math.max(0, max - prefix.length)), prefix + 'x'.repeat(max + 1 - prefix.length), 'x'.repeat(Math.max(0, min - 1)), ' '.repeat(Math.max(1, min))];
  }
  if (type === 'integer' || type === 'number') {
    const values: unknown[] = [rawNumber('-0'), 0.5];
    for (const bound of [resolved.minimum, resolved.maximum, resolved.exclusiveMinimum, resolved.exclusiveMaximum]) {
      if (bound !== undefined) values.push(bound, bound - 1, bound + 1, bound + 0.5);
    }
    return values;
  }
  if (type === 'array') {
    const item = () => validValue(resolved.items ?? {}, ctx, { method, key: 'item' });
    return [[], Array.from({ length: (resolved.maxItems ?? 100) + 1 }, item), Array.from({ length: resolved.maxItems ?? 100 }, item)];
  }
  return [undefined, null];
}

function wrongTypeValues(schema: JsonSchema): unknown[] {
  const type = describeType(schema);
  const all: Record<string, unknown> = { string: 'text', number: 12.5, integer: 7, boolean: true, null: null, array: [1, 'two', null], object: { nested: 'object' } };
  return Object.entries(all)
    .filter(([kind]) => kind !== type && !(type === 'path' && kind === 'string') && !(type === 'number' && kind === 'integer'))
    .map(([, value]) => value);
}

function hostileValuesFor(schema: JsonSchema, ctx: GenerationContext): unknown[] {
  const type = describeType(schema);
  if (type === 'path') return [...ctx.paths];
  if (type === 'integer' || type === 'number') return [...hostileNumbers];
  return [...hostileStrings, ...hostileNumbers];
}

function hugeString(ctx: GenerationContext): string {
  const length = hugeLength(ctx.random, ctx.hugeStrings);
  return ctx.random.chance(0.5) ? 'A'.repeat(length) : '経費'.repeat(Math.ceil(length / 2)).slice(0, length);
}

const pathLabel = (path: PathKey[]) => path.join('.') || 'input';

/** Makes one input for a method: valid, or valid but for one deliberate fault. */
export function generateInput(method: MethodName, ctx: GenerationContext): GeneratedInput {
  const { random } = ctx;
  const schema = inputSchema(method);
  const valid = validValue(schema, ctx, { method, key: 'input' });
  const strategy = random.pick(['valid', 'valid', 'valid', 'boundary', 'wrongType', 'hostile', 'hostile', 'missing', 'extra', 'structure', 'whole'] as const);
  const slots = slotsOf(schema, valid);
  const slot = slots.length > 0 ? random.pick(slots) : null;

  switch (strategy) {
    case 'valid':
      return { label: 'valid', input: valid };
    case 'boundary':
      if (!slot) break;
      return { label: `boundary:${pathLabel(slot.path)}`, input: setAt(valid, slot.path, random.pick(boundaryValues(slot.schema, ctx, method))) };
    case 'wrongType':
      if (!slot) break;
      return { label: `wrongType:${pathLabel(slot.path)}`, input: setAt(valid, slot.path, random.pick(wrongTypeValues(slot.schema))) };
    case 'hostile': {
      if (!slot) break;
      const value = random.chance(0.1) ? hugeString(ctx) : random.pick(hostileValuesFor(slot.schema, ctx));
      return { label: `hostile:${pathLabel(slot.path)}`, input: setAt(valid, slot.path, value) };
    }
    case 'missing': {
      const present = slots.filter((s) => s.present);
      if (present.length === 0) break;
      const target = random.pick(present);
      deleteAt(valid, target.path);
      return { label: `missing:${pathLabel(target.path)}`, input: valid };
    }
    case 'extra': {
      const objects = [[], ...slots.filter((s) => describeType(s.schema) === 'object' && s.present).map((s) => s.path)];
      const at = random.pick(objects);
      const key = random.pick(hostileKeys);
      const extra = random.chance(0.5) ? random.pick(pollutionPayloads()) : random.pick(hostileStrings);
      const target = at.length === 0 ? valid : at.reduce<unknown>((node, k) => (node as Record<PathKey, unknown>)[k], valid);
      if (target && typeof target === 'object') withOwnKey(target as Record<string, unknown>, key, extra);
      return { label: `extra:${pathLabel(at)}[${JSON.stringify(key.slice(0, 20))}]`, input: valid };
    }
    case 'structure': {
      const path = slot && random.chance(0.7) ? slot.path : [];
      const shape = random.pick(['deep', 'deep', 'pollution', 'wide', 'long'] as const);
      if (shape === 'deep') {
        const depth = random.pick([65, 1000, 10_000, 100_000]);
        const marker = `\u0001deep-${depth}\u0001`;
        return {
          label: `deep${depth}:${pathLabel(path)}`,
          input: setAt(valid, path, marker),
          rawSubstitutions: [{ marker, json: deeplyNestedJson(depth, random.chance(0.5) ? 'array' : 'object') }],
        };
      }
      if (shape === 'pollution') return { label: `pollution:${pathLabel(path)}`, input: setAt(valid, path, random.pick(pollutionPayloads())) };
      if (shape === 'wide') {
        const wide: Record<string, unknown> = {};
        for (let i = 0; i < 20_000; i++) wide[`k${i}`] = i;
        return { label: `wide:${pathLabel(path)}`, input: setAt(valid, path, wide) };
      }
      return { label: `long-array:${pathLabel(path)}`, input: setAt(valid, path, Array.from({ length: 200_000 }, (_, i) => i % 7)) };
    }
    case 'whole':
      return { label: 'whole', input: random.pick([undefined, null, [], 'input', 42, true, rawNumber('1e309'), [valid]]) };
  }
  return { label: 'valid', input: valid };
}

/** The request body as sent: raw numbers and deep-nesting markers become raw JSON text. */
export function requestBody(method: unknown, generated: GeneratedInput): string {
  let body = JSON.stringify(generated.input === undefined ? { method } : { method, input: generated.input });
  for (const { marker, json } of generated.rawSubstitutions ?? []) body = body.replace(JSON.stringify(marker), json);
  return body;
}
