/** Which of digest's tables are missing (readiness: migrated once is not enough if a table was dropped since). */
import type { Executor } from './db.js';
import { placeholders } from './db.js';

export const DIGEST_TABLES = ['digest_events', 'digest_deliveries', 'digest_runs', 'digest_workers', 'digest_recipients', 'digest_suppressions', 'digest_flushes'] as const;

export async function selectMissingTables(ex: Executor): Promise<string[]> {
  const sql = ex.dialect === 'mysql'
    ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (${placeholders(DIGEST_TABLES.length)})`
    : `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${placeholders(DIGEST_TABLES.length)})`;
  const present = new Set((await ex.all<{ name: string }>(sql, DIGEST_TABLES)).map((r) => String(r.name)));
  return DIGEST_TABLES.filter((t) => !present.has(t));
}
