import type { Selectable } from 'kysely';
import { camelCase, snakeCase, type CamelCase, type SnakeCase } from './naming.ts';
import type { DatabaseSchema } from './schema.ts';

/**
 * The one mapping between rows and entities, for every table: snake_case columns become
 * camelCase fields and the 0/1 columns below become booleans (and back for writes).
 */

export type TableName = keyof DatabaseSchema;
type Row<T extends TableName> = Selectable<DatabaseSchema[T]>;

/** The columns of a table that hold 0/1. */
type BooleanColumn<T extends TableName> = { [C in keyof Row<T>]: [Row<T>[C]] extends [0 | 1] ? C : never }[keyof Row<T>] & string;

/** SQLite has no boolean type: these columns hold 0/1, and every other layer sees true/false. */
export const booleanColumns = {
  users: ['suspended'],
  workspaces: ['hybrid_search', 'blind_evaluation', 'sql_route', 'graph_extraction', 'entity_retrieval'],
  models: ['has_chat_template'],
  documents: ['pinned', 'watched'],
  conversation_log_sources: ['pinned'],
  tool_calls: ['success'],
} as const satisfies { readonly [T in TableName]?: readonly BooleanColumn<T>[] };

// Compile-time check that the map lists every 0/1 column of the schema: a missing one fails here.
type Listed<T extends TableName> = T extends keyof typeof booleanColumns ? (typeof booleanColumns)[T][number] : never;
type Unlisted = { [T in TableName]: Exclude<BooleanColumn<T>, Listed<T>> }[TableName];
const everyBooleanColumnListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyBooleanColumnListed;

/** A row as the rest of the code sees it: camelCase fields, booleans for 0/1 columns. */
export type RecordOf<T extends TableName> = {
  [C in keyof Row<T> & string as CamelCase<C>]: [Row<T>[C]] extends [0 | 1] ? boolean : Row<T>[C];
};

/** Fields written back as columns: booleans to 0/1 (distributes over `| undefined` for patches). */
type ColumnValue<Value> = Value extends boolean ? 0 | 1 : Value;
export type ColumnsOf<Fields> = { [F in keyof Fields & string as SnakeCase<F>]: ColumnValue<Fields[F]> };

function booleansOf(table: TableName): readonly string[] {
  return (booleanColumns as Partial<Record<TableName, readonly string[]>>)[table] ?? [];
}

/** Reads a row of `table`. */
export function fromRow<T extends TableName>(table: T, row: Row<T>): RecordOf<T> {
  const booleans = booleansOf(table);
  const record: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) record[camelCase(column)] = booleans.includes(column) ? value === 1 : value;
  return record as RecordOf<T>;
}

/** Columns for an insert or update of `table`; fields left undefined are left out (a patch). */
export function toColumns<T extends TableName, const Fields extends Partial<RecordOf<T>>>(table: T, fields: Fields): ColumnsOf<Fields> {
  const booleans = booleansOf(table);
  const columns: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const column = snakeCase(field);
    columns[column] = booleans.includes(column) ? (value ? 1 : 0) : value;
  }
  return columns as ColumnsOf<Fields>;
}
