import { z } from 'zod';

/**
 * Helpers that derive the other views of an entity from its one zod schema: the patch input, the
 * defaults, and the plain object an entity is sent as.
 */

type Unwrapped<Field> = Field extends z.ZodDefault<infer Inner extends z.ZodType> ? Inner : Field;

export type PatchShape<Shape extends z.ZodRawShape> = { [K in keyof Shape]: z.ZodOptional<Unwrapped<Shape[K]>> };

/**
 * Every field optional and no defaults: a patch changes exactly the fields it names. (zod's own
 * `.partial()` keeps the defaults, so a patch of one field would reset all the others.)
 */
export function patchOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>): z.ZodObject<PatchShape<Shape>, z.core.$strict> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape as unknown as Record<string, z.ZodType>).map(([key, field]) => [key, (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field).optional()]),
  );
  return z.object(shape).strict() as unknown as z.ZodObject<PatchShape<Shape>, z.core.$strict>;
}

export type DefaultsOf<Shape extends z.ZodRawShape> = {
  -readonly [K in keyof Shape as Shape[K] extends z.ZodDefault<z.ZodType> ? K : never]: z.output<Shape[K]>;
};

/** The default of every field that declares one, read from the schema (never restated elsewhere). */
export function defaultsOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>): DefaultsOf<Shape> {
  const defaults: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    if (field instanceof z.ZodDefault) defaults[key] = field.def.defaultValue;
  }
  return Object.freeze(defaults) as DefaultsOf<Shape>;
}

/**
 * Exactly the fields a schema names, taken from a wider record (a row with storage-only columns,
 * a workspace when freezing its session settings). The parameter's type makes the compiler check
 * that the record has every field the entity needs.
 */
export function pickFields<Schema extends z.ZodObject>(schema: Schema, source: z.output<Schema>): z.output<Schema> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as z.output<Schema>;
}
