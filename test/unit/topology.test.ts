import { describe, expect, it } from 'vitest';
import { describeTopology, type ServerFacts, topologyLines } from '../../src/store/topology.js';

/** A healthy 3-node Galera node, as SHOW GLOBAL VARIABLES / STATUS give it. */
const galera = (over: { variables?: Record<string, string>; status?: Record<string, string>; noPk?: string[] } = {}): ServerFacts => ({
  variables: { wsrep_on: 'ON', wsrep_sync_wait: '1', innodb_autoinc_lock_mode: '2', binlog_format: 'ROW', auto_increment_increment: '1', ...over.variables },
  status: { wsrep_cluster_size: '3', wsrep_local_state_comment: 'Synced', wsrep_cluster_status: 'Primary', wsrep_ready: 'ON', ...over.status },
  tablesWithoutPrimaryKey: over.noPk ?? [],
});

describe('describeTopology', () => {
  it('a standalone server (MariaDB has wsrep_* names even without a cluster): standalone, and no Galera advice', () => {
    const t = describeTopology({
      variables: { wsrep_on: 'OFF', wsrep_sync_wait: '0', innodb_autoinc_lock_mode: '1', binlog_format: 'MIXED' },
      status: { wsrep_cluster_size: '0', wsrep_cluster_status: 'Disconnected', wsrep_ready: 'OFF' },
      tablesWithoutPrimaryKey: ['digest_x'],
    });
    expect(t).toEqual({ summary: 'standalone server', galera: false, warnings: [], notes: [] });
    expect(describeTopology({ variables: {}, status: {}, tablesWithoutPrimaryKey: [] }).galera).toBe(false);
  });

  it('a healthy Galera node: cluster size and state, nothing to warn about', () => {
    const t = describeTopology(galera());
    expect(t.summary).toBe('Galera cluster, 3 nodes (wsrep_cluster_size), this node Synced (Primary)');
    expect(t.warnings).toEqual([]);
    expect(t.notes).toEqual([]);
    expect(topologyLines(t)).toEqual(['database: Galera cluster, 3 nodes (wsrep_cluster_size), this node Synced (Primary)']);
  });

  it('warns on settings that break the guarantees: autoinc lock mode, binlog format, tables without a primary key', () => {
    const t = describeTopology(galera({ variables: { innodb_autoinc_lock_mode: '1', binlog_format: 'STATEMENT' }, noPk: ['digest_legacy'] }));
    expect(t.warnings).toHaveLength(3);
    expect(t.warnings.join('\n')).toMatch(/table\(s\) without a primary key: digest_legacy/);
    expect(t.warnings.join('\n')).toMatch(/innodb_autoinc_lock_mode = 1: Galera needs 2/);
    expect(t.warnings.join('\n')).toMatch(/binlog_format = STATEMENT: Galera replicates rows only with ROW/);
    expect(topologyLines(t).filter((l) => l.startsWith('database: WARNING '))).toHaveLength(3);
  });

  it('a node outside the Primary Component is a warning naming its state', () => {
    const t = describeTopology(galera({ status: { wsrep_cluster_status: 'non-Primary', wsrep_ready: 'OFF', wsrep_local_state_comment: 'Initialized', wsrep_cluster_size: '1' } }));
    expect(t.summary).toBe('Galera cluster, 1 node (wsrep_cluster_size), this node Initialized (non-Primary)');
    expect(t.warnings).toEqual([expect.stringMatching(/^this node is not ready \(wsrep_cluster_status = non-Primary, wsrep_ready = OFF\)/)]);
  });

  it('wsrep_sync_wait without its read bit is a note explaining what lags, not a warning; Galera\'s id step is a note', () => {
    const t = describeTopology(galera({ variables: { wsrep_sync_wait: '0', auto_increment_increment: '3' } }));
    expect(t.warnings).toEqual([]);
    expect(t.notes[0]).toMatch(/^wsrep_sync_wait = 0: a read on this node may not yet see a write committed on another node/);
    expect(t.notes[0]).toMatch(/never sends twice/);
    expect(t.notes[1]).toMatch(/auto_increment_increment = 3/);
    // Bit 1 set among others (e.g. 3) is read-your-writes: no note.
    expect(describeTopology(galera({ variables: { wsrep_sync_wait: '3' } })).notes).toEqual([]);
  });
});
