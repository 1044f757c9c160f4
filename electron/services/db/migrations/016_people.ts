import { sql, type Kysely } from 'kysely';

/**
 * People (issue 14): seed 000's user fields, local sign-in (password hash, lockout counters,
 * recovery-code hashes), signed-in sessions, workspace members, the append-only audit log, and a
 * minimum security level per document. Single-user mode stays the default; existing users become
 * members of every existing workspace, so switching to multi-user mode later loses nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = new Date().toISOString();
  const statements = [
    sql`ALTER TABLE users ADD COLUMN normalized_username TEXT`,
    sql`ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT ''`,
    sql`ALTER TABLE users ADD COLUMN position TEXT NOT NULL DEFAULT ''`,
    sql`ALTER TABLE users ADD COLUMN security_level INTEGER NOT NULL DEFAULT 1 CHECK (security_level IN (1, 2, 3))`,
    sql`ALTER TABLE users ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1))`,
    sql`ALTER TABLE users ADD COLUMN expires_at TEXT`,
    sql`ALTER TABLE users ADD COLUMN daily_message_limit INTEGER CHECK (daily_message_limit IS NULL OR daily_message_limit > 0)`,
    sql`ALTER TABLE users ADD COLUMN bio TEXT NOT NULL DEFAULT ''`,
    sql`ALTER TABLE users ADD COLUMN avatar TEXT`,
    // scrypt$N$r$p$salt$hash (electron/services/auth/credentials.ts); NULL: no password (single-user mode).
    sql`ALTER TABLE users ADD COLUMN password_hash TEXT`,
    sql`ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0`,
    sql`ALTER TABLE users ADD COLUMN last_failure_at TEXT`,
    // JSON array of recovery-code hashes; a used code becomes null so the others keep their place.
    sql`ALTER TABLE users ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(recovery_codes))`,
    sql`ALTER TABLE users ADD COLUMN updated_at TEXT`,
    sql`ALTER TABLE users ADD COLUMN last_sign_in_at TEXT`,
    sql`UPDATE users SET normalized_username = lower(username), updated_at = created_at`,
    // Usernames that differ only in case or Unicode form are one name (the service normalizes).
    sql`CREATE UNIQUE INDEX users_normalized_username ON users (normalized_username)`,
    sql`CREATE TABLE auth_config (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      mode TEXT NOT NULL CHECK (mode IN ('single', 'multi')),
      session_hours INTEGER NOT NULL CHECK (session_hours BETWEEN 1 AND 720),
      -- The password policy (credentials.ts PasswordPolicy); {} is the default policy.
      password_policy TEXT NOT NULL CHECK (json_valid(password_policy))
    )`,
    sql`INSERT INTO auth_config (id, mode, session_hours, password_policy) VALUES (1, 'single', 12, '{}')`,
    sql`CREATE TABLE auth_sessions (
      -- SHA-256 of the token: a copy of the database does not sign anybody in.
      token_hash TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      client TEXT NOT NULL CHECK (client IN ('desktop', 'web', 'cli')),
      created_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    ) WITHOUT ROWID`,
    sql`CREATE INDEX auth_sessions_user ON auth_sessions (user_id)`,
    sql`CREATE TABLE workspace_members (
      workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      added_at TEXT NOT NULL,
      PRIMARY KEY (workspace_id, user_id)
    ) WITHOUT ROWID`,
    sql`CREATE INDEX workspace_members_user ON workspace_members (user_id, workspace_id)`,
    sql`INSERT INTO workspace_members (workspace_id, user_id, added_at) SELECT w.id, u.id, ${now} FROM workspaces w, users u`,
    // Seed 000's event_logs.
    sql`CREATE TABLE event_logs (
      id INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      event TEXT NOT NULL,
      user_id INTEGER REFERENCES users (id),
      -- Kept as typed: a failed sign-in may name nobody, and a name is readable after a rename.
      username TEXT,
      workspace_id INTEGER,
      detail TEXT NOT NULL CHECK (json_valid(detail))
    )`,
    sql`CREATE INDEX event_logs_at ON event_logs (at, id)`,
    sql`CREATE INDEX event_logs_user ON event_logs (user_id, at)`,
    sql`CREATE INDEX event_logs_event ON event_logs (event, at)`,
    sql`CREATE TRIGGER event_logs_no_update BEFORE UPDATE ON event_logs BEGIN SELECT RAISE(ABORT, 'event_logs is append-only'); END`,
    sql`CREATE TRIGGER event_logs_no_delete BEFORE DELETE ON event_logs BEGIN SELECT RAISE(ABORT, 'event_logs is append-only'); END`,
    sql`ALTER TABLE documents ADD COLUMN min_security_level INTEGER NOT NULL DEFAULT 1 CHECK (min_security_level IN (1, 2, 3))`,
    // The rolling 24-hour message limit counts a user's questions by time.
    sql`CREATE INDEX conversation_logs_user_asked ON conversation_logs (user_id, asked_at)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`DROP INDEX conversation_logs_user_asked`,
    sql`ALTER TABLE documents DROP COLUMN min_security_level`,
    sql`DROP TABLE event_logs`,
    sql`DROP TABLE workspace_members`,
    sql`DROP TABLE auth_sessions`,
    sql`DROP TABLE auth_config`,
    sql`DROP INDEX users_normalized_username`,
  ]) await statement.execute(db);
  for (const column of ['last_sign_in_at', 'updated_at', 'recovery_codes', 'last_failure_at', 'failed_attempts', 'password_hash', 'avatar', 'bio', 'daily_message_limit', 'expires_at', 'suspended', 'security_level', 'position', 'department', 'normalized_username']) {
    await sql`ALTER TABLE users DROP COLUMN ${sql.id(column)}`.execute(db);
  }
}
