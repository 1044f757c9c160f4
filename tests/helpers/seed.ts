import type BetterSqlite3 from 'better-sqlite3';

export interface SeedOptions {
  logs: number;
  /** How many workspaces/models to spread logs over (ids 1..n are created). */
  workspaces?: number;
  models?: number;
  /** Verdict for log i (1-based), or null for "not evaluated". Default: a repeating 1,2,3,none pattern. */
  verdict?: (i: number) => 1 | 2 | 3 | null;
  /** Question text for log i; default mixes English, Korean and Japanese. */
  question?: (i: number) => string;
  startDate?: Date;
}

/** 97 subjects in four languages: each appears in about 1% of seeded questions, like real topics. */
const topics = Array.from({ length: 97 }, (_, i) => [`subject-${i}`, `주제${i}번`, `議題${i}号`, `话题${i}`][i % 4]!);

const phrases = ['How do I reset the VPN token?', '연차 휴가 신청 절차를 알려주세요', '経費精算の締め日はいつですか', '合同审核需要哪些文件？'];

/**
 * Fills a database with synthetic but schema-valid data through one transaction of prepared
 * statements, for tests of the log browser and export and for the benchmarks (up to millions of rows).
 */
export function seedLogs(raw: BetterSqlite3.Database, options: SeedOptions): { sessionIds: number[] } {
  const now = new Date().toISOString();
  const workspaces = options.workspaces ?? 1;
  const models = options.models ?? 1;
  const verdict = options.verdict ?? ((i: number) => ([1, 2, 3, null] as const)[i % 4]!);
  const question = options.question ?? ((i: number) => `${phrases[i % phrases.length]} (${topics[(i * 31) % topics.length]}) #${i}`);
  const start = (options.startDate ?? new Date('2026-01-01T00:00:00Z')).getTime();
  const sessionIds: number[] = [];

  raw.transaction(() => {
    const user = raw.prepare('SELECT id FROM users ORDER BY id LIMIT 1').pluck().get() as number;
    for (let w = 1; w <= workspaces; w++) {
      raw
        .prepare("INSERT INTO workspaces (name, category, system_prompt, temperature, max_tokens, context_size, history_turns, created_at, updated_at) VALUES (?, 'qa', ?, 0.2, 256, 2048, 2, ?, ?)")
        .run(`Workspace ${w}`, `You answer questions for team ${w}.`, now, now);
    }
    for (let m = 1; m <= models; m++) {
      raw
        .prepare("INSERT INTO models (display_name, file_path, file_size, fingerprint, architecture, has_chat_template, created_at, registered_at) VALUES (?, ?, 1, 'seed', 'llama', 1, ?, ?)")
        .run(`Seed model ${m}`, `/seed/model-${m}-${Math.random()}.gguf`, now, now);
    }
    const firstWorkspace = raw.prepare('SELECT min(id) FROM workspaces WHERE name = ?').pluck().get('Workspace 1') as number;
    const firstModel = raw.prepare("SELECT min(id) FROM models WHERE fingerprint = 'seed'").pluck().get() as number;
    const insertSession = raw.prepare(
      "INSERT INTO sessions (user_id, workspace_id, model_id, system_prompt_snapshot, settings_snapshot, started_at) VALUES (?, ?, ?, ?, '{\"temperature\":0.2,\"maxTokens\":256,\"contextSize\":2048,\"historyTurns\":2}', ?)",
    );
    const sessionFor = new Map<string, number>();
    for (let w = 0; w < workspaces; w++) {
      for (let m = 0; m < models; m++) {
        const id = Number(insertSession.run(user, firstWorkspace + w, firstModel + m, `You answer questions for team ${w + 1}.`, now).lastInsertRowid);
        sessionFor.set(`${w}:${m}`, id);
        sessionIds.push(id);
      }
    }
    const insertLog = raw.prepare(
      'INSERT INTO conversation_logs (session_id, workspace_id, model_id, user_id, question, answer, asked_at, completed_at, prompt_tokens, completion_tokens, ttft_ms, tokens_per_second, duration_ms, stop_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertEvaluation = raw.prepare(
      'INSERT INTO evaluations (log_id, evaluator_id, evaluation, reason, correct_answer, priority, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)',
    );
    for (let i = 1; i <= options.logs; i++) {
      const w = i % workspaces;
      const m = Math.floor(i / workspaces) % models;
      const askedAt = new Date(start + i * 1000).toISOString();
      const logId = Number(
        insertLog.run(
          sessionFor.get(`${w}:${m}`)!,
          firstWorkspace + w,
          firstModel + m,
          user,
          question(i),
          `Model answer number ${i}. ${phrases[(i + 1) % phrases.length]}`,
          askedAt,
          askedAt,
          40 + (i % 50),
          20 + (i % 200),
          15 + (i % 30),
          50 + (i % 70),
          200 + (i % 997),
          i % 10 === 0 ? 'max_tokens' : 'finished',
        ).lastInsertRowid,
      );
      const v = verdict(i);
      if (v === null) continue;
      const corrected = v === 1 ? null : `Corrected answer for ${i}: ${phrases[i % phrases.length]}`;
      insertEvaluation.run(logId, user, v, v === 1 ? null : 'incomplete', corrected, v === 1 ? null : ((i % 3) + 1), askedAt, askedAt);
    }
  })();
  return { sessionIds };
}
