/**
 * Reads what topology.ts judges: server variables, wsrep status, and which
 * of our tables lack a primary key. MySQL only; read-only.
 */
import type { Executor } from './db.js';
import type { ServerFacts } from './topology.js';

const VARIABLES = ['wsrep_on', 'wsrep_sync_wait', 'innodb_autoinc_lock_mode', 'binlog_format', 'auto_increment_increment'];

type NameValue = { Variable_name: string; Value: string };
const byName = (rows: NameValue[]) => Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));

async function selectServerVariables(ex: Executor): Promise<Record<string, string>> {
  return byName(await ex.all<NameValue>(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`, VARIABLES));
}

/** Empty on MySQL without wsrep: SHOW STATUS LIKE matches nothing. */
async function selectWsrepStatus(ex: Executor): Promise<Record<string, string>> {
  return byName(await ex.all<NameValue>("SHOW GLOBAL STATUS LIKE 'wsrep%'"));
}

async function selectTablesWithoutPrimaryKey(ex: Executor): Promise<string[]> {
  const rows = await ex.all<{ name: string }>(
    `SELECT t.table_name AS name FROM information_schema.tables t
      WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
        AND (t.table_name LIKE 'digest\\_%' OR t.table_name = '__drizzle_migrations')
        AND NOT EXISTS (SELECT 1 FROM information_schema.table_constraints c
                         WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY')
      ORDER BY t.table_name`);
  return rows.map((r) => r.name);
}

export async function readServerFacts(ex: Executor): Promise<ServerFacts> {
  return {
    variables: await selectServerVariables(ex),
    status: await selectWsrepStatus(ex),
    tablesWithoutPrimaryKey: await selectTablesWithoutPrimaryKey(ex),
  };
}
