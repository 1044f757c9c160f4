import { sql, type Kysely } from 'kysely';

/**
 * More export formats (issue 13): datasets.format was CHECKed against the first two formats.
 * SQLite cannot change a CHECK in place, so the table is rebuilt with the same ids (dataset_items,
 * evaluations, pending_exports and fine-tune jobs keep pointing at them). The list of formats lives
 * in the contract (exportFormatNames), which validates every export; the column only guards against
 * an empty or absurd value, so adding a format needs no further rebuild.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Outside the transaction: foreign_keys cannot change inside one (as in 003).
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  await sql`BEGIN`.execute(db);
  try {
    const statements = [
      sql`CREATE TABLE datasets_rebuilt (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        format TEXT NOT NULL CHECK (length(format) BETWEEN 1 AND 40),
        out_dir TEXT NOT NULL,
        seed INTEGER NOT NULL,
        filters TEXT NOT NULL CHECK (json_valid(filters)),
        manifest TEXT CHECK (manifest IS NULL OR json_valid(manifest)),
        example_count INTEGER NOT NULL DEFAULT 0,
        created_by INTEGER NOT NULL REFERENCES users (id),
        created_at TEXT NOT NULL,
        marked_trained_at TEXT
      )`,
      sql`INSERT INTO datasets_rebuilt (id, name, format, out_dir, seed, filters, manifest, example_count, created_by, created_at, marked_trained_at)
        SELECT id, name, format, out_dir, seed, filters, manifest, example_count, created_by, created_at, marked_trained_at FROM datasets`,
      sql`DROP TABLE datasets`,
      sql`ALTER TABLE datasets_rebuilt RENAME TO datasets`,
    ];
    for (const statement of statements) await statement.execute(db);
    // Only what this rebuild could break: references to datasets, and the datasets' own (a
    // database may hold unrelated old violations, which are not this migration's to judge).
    const broken = (await sql<{ table: string; parent: string }>`PRAGMA foreign_key_check`.execute(db)).rows.filter((row) => row.parent === 'datasets' || row.table === 'datasets');
    if (broken.length > 0) throw new Error(`Foreign key check failed after rebuilding datasets (${broken.length} rows).`);
    await sql`COMMIT`.execute(db);
  } catch (error) {
    await sql`ROLLBACK`.execute(db);
    throw error;
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Migration 013 cannot be reverted: datasets of the new formats have no place in the old schema.');
}
