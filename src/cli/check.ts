import type { AppOptions } from '../app.js';
import { loadSetup } from '../setup.js';
import { describeSchedules } from '../scheduler/fire-times.js';
import { openDb, shippedMigrations } from '../store/open.js';
import { assertSkipsLocked } from '../store/skip-locked-probe.js';
import { describeTopology, topologyLines } from '../store/topology.js';
import { readServerFacts } from '../store/topology-probe.js';
import { table } from './format.js';

/** Validates config, handler modules and templates (throws ConfigError listing every problem), then shows each type's handler and upcoming fire times. */
export async function check(opts: AppOptions, now = new Date()): Promise<string> {
  const { config, registry } = await loadSetup(opts);
  const rows = describeSchedules(config, now, 3).map((d) => ({
    type: d.type, handler: registry.source(d.type) ?? '', cadence: d.cadence, timezone: d.timezone,
    'next fire times': d.next.length ? d.next.join(', ') : 'continuous',
  }));
  return `config OK: ${rows.length} event type(s)\n${table(rows)}`;
}

/**
 * On MySQL, `check` also reports the topology it sees (standalone, or a
 * Galera node with the settings that break its guarantees: topology.ts), and
 * asks the database whether it really skips locked rows (see
 * skip-locked-probe.ts); it throws, with the reason, if not.
 * SQLite has no row locks to probe, and `check` opens no SQLite file.
 */
export async function checkDatabase(url: string | undefined): Promise<string | null> {
  if (!/^mysql:\/\//i.test(url ?? '')) return null;
  const db = openDb(url);
  try {
    const topology = topologyLines(describeTopology(await readServerFacts(db)));
    // The probe borrows a row of digest_workers: it needs the tables.
    if ((await db.pendingMigrations()) >= shippedMigrations(db)) {
      return [...topology, 'database: not migrated yet (`digest migrate` creates the tables, then probes SKIP LOCKED)'].join('\n');
    }
    await assertSkipsLocked(db);
    return [...topology, 'database: SKIP LOCKED probe passed (a row locked by one connection is skipped by another)'].join('\n');
  } finally {
    await db.close();
  }
}
