/**
 * What `digest check` says about the MySQL server it sees: standalone, or a
 * Galera cluster node — and which settings break the guarantees the
 * scheduler relies on there. Pure: fed the server's variables and status
 * (topology-probe.ts reads them), so every case is testable without a cluster.
 */

export interface ServerFacts {
  /** SHOW GLOBAL VARIABLES, names lower-case. */
  variables: Readonly<Record<string, string>>;
  /** SHOW GLOBAL STATUS LIKE 'wsrep%', names lower-case. */
  status: Readonly<Record<string, string>>;
  /** Our tables (digest_*, __drizzle_migrations) that have no PRIMARY KEY. */
  tablesWithoutPrimaryKey: readonly string[];
}

export interface Topology {
  /** `standalone server`, or `Galera cluster, 3 nodes (wsrep_cluster_size), this node Synced (Primary)`. */
  summary: string;
  galera: boolean;
  /** Settings that break a guarantee: claims, slot keys or event ids may go wrong. */
  warnings: string[];
  /** Worth knowing, breaks nothing of ours. */
  notes: string[];
}

const on = (v: string | undefined) => /^(on|1|yes|true)$/i.test(v ?? '');

export function describeTopology(facts: ServerFacts): Topology {
  const v = facts.variables;
  const s = facts.status;
  const size = Number(s.wsrep_cluster_size ?? 0);
  // A MariaDB server always has the wsrep_* names; only wsrep_on with a
  // cluster behind it (size ≥ 1) is a Galera node.
  if (!on(v.wsrep_on) || !(size >= 1)) return { summary: 'standalone server', galera: false, warnings: [], notes: [] };

  const state = s.wsrep_local_state_comment || 'state unknown';
  const component = s.wsrep_cluster_status || 'unknown';
  const summary = `Galera cluster, ${size} node${size === 1 ? '' : 's'} (wsrep_cluster_size), this node ${state} (${component})`;
  const warnings: string[] = [];
  const notes: string[] = [];

  if (component.toLowerCase() !== 'primary' || !on(s.wsrep_ready)) {
    warnings.push(`this node is not ready (wsrep_cluster_status = ${component}, wsrep_ready = ${s.wsrep_ready ?? '?'}): it refuses queries until it rejoins the Primary Component; list the other nodes in DATABASE_URL to fail over`);
  }
  if (facts.tablesWithoutPrimaryKey.length > 0) {
    warnings.push(`table(s) without a primary key: ${facts.tablesWithoutPrimaryKey.join(', ')} — Galera replicates such rows unreliably (DELETEs may be refused or applied differently on each node)`);
  }
  if (v.innodb_autoinc_lock_mode != null && v.innodb_autoinc_lock_mode !== '2') {
    warnings.push(`innodb_autoinc_lock_mode = ${v.innodb_autoinc_lock_mode}: Galera needs 2 (interleaved); other modes take table-level locks that appliers and local inserts can deadlock on`);
  }
  if (v.binlog_format != null && v.binlog_format.toUpperCase() !== 'ROW') {
    warnings.push(`binlog_format = ${v.binlog_format}: Galera replicates rows only with ROW; statement-based writes can leave nodes with different data`);
  }
  const syncWait = Number(v.wsrep_sync_wait ?? 0);
  if (!(syncWait & 1)) {
    // Info, not a warning: every claim, mark and slot insert is a write that
    // Galera certifies, so a stale read there ends in a retried conflict, never
    // a double send. What it affects is reading another node's fresh commits.
    notes.push(`wsrep_sync_wait = ${v.wsrep_sync_wait ?? 0}: a read on this node may not yet see a write committed on another node a moment ago ` +
      '(an event recorded through node A may reach a scheduler on node B a few ms later; `digest status` and the dashboard may lag as much). ' +
      'Claims and marks are certified writes, so this never sends twice; set wsrep_sync_wait=1 for read-your-writes across nodes');
  }
  if (Number(v.auto_increment_increment ?? 1) > 1) {
    notes.push(`auto_increment_increment = ${v.auto_increment_increment}: event ids go up in steps of ${v.auto_increment_increment} (expected under Galera, handled)`);
  }
  return { summary, galera: true, warnings, notes };
}

/** The lines `digest check` prints. */
export function topologyLines(t: Topology): string[] {
  return [`database: ${t.summary}`, ...t.warnings.map((w) => `database: WARNING ${w}`), ...t.notes.map((n) => `database: note: ${n}`)];
}
