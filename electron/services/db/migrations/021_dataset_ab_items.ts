import { sql, type Kysely } from 'kysely';

/**
 * Preference exports take examples from blind A/B choices as well as from evaluations (issue 13):
 * a dataset item now names either the evaluation or the A/B comparison it was made from, so every
 * example of a dataset can be traced back to its source. SQLite cannot relax a NOT NULL or a
 * primary key in place, so the table is rebuilt; nothing refers to dataset_items.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`BEGIN`.execute(db);
  try {
    const statements = [
      sql`CREATE TABLE dataset_items_rebuilt (
        dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
        evaluation_id INTEGER REFERENCES evaluations (id) ON DELETE CASCADE,
        ab_comparison_id INTEGER REFERENCES ab_comparisons (id) ON DELETE CASCADE,
        split TEXT NOT NULL CHECK (split IN ('train', 'valid', 'test')),
        -- Exactly one source.
        CHECK ((evaluation_id IS NULL) <> (ab_comparison_id IS NULL))
      )`,
      sql`INSERT INTO dataset_items_rebuilt (dataset_id, evaluation_id, ab_comparison_id, split) SELECT dataset_id, evaluation_id, NULL, split FROM dataset_items`,
      sql`DROP TABLE dataset_items`,
      sql`ALTER TABLE dataset_items_rebuilt RENAME TO dataset_items`,
      sql`CREATE UNIQUE INDEX dataset_items_evaluation ON dataset_items (dataset_id, evaluation_id) WHERE evaluation_id IS NOT NULL`,
      sql`CREATE UNIQUE INDEX dataset_items_comparison ON dataset_items (dataset_id, ab_comparison_id) WHERE ab_comparison_id IS NOT NULL`,
    ];
    for (const statement of statements) await statement.execute(db);
    await sql`COMMIT`.execute(db);
  } catch (error) {
    await sql`ROLLBACK`.execute(db);
    throw error;
  }
}

export async function down(): Promise<void> {
  throw new Error('Migration 021 cannot be reverted: dataset items made from A/B choices have no place in the old schema.');
}
