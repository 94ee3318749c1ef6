import { expect, it } from 'vitest';
import { checkDatabase } from '../../src/cli/check.js';
import { describeTopology } from '../../src/store/topology.js';
import { readServerFacts } from '../../src/store/topology-probe.js';
import { describeEngines } from '../support/engines.js';

describeEngines('server topology', (engine) => {
  it('the test server is standalone, and every table of ours has a primary key', async () => {
    const facts = await readServerFacts(engine.db);
    expect(facts.tablesWithoutPrimaryKey).toEqual([]);
    expect(facts.variables).toHaveProperty('binlog_format');
    expect(describeTopology(facts)).toMatchObject({ summary: 'standalone server', galera: false, warnings: [] });
  });

  it('finds a table of ours without a primary key', async () => {
    await engine.db.run('CREATE TABLE digest_no_pk (v INT)');
    try {
      expect((await readServerFacts(engine.db)).tablesWithoutPrimaryKey).toEqual(['digest_no_pk']);
    } finally {
      await engine.db.run('DROP TABLE digest_no_pk');
    }
  });

  it('`digest check` prints the topology first, then the SKIP LOCKED probe', async () => {
    const out = await checkDatabase(engine.url);
    expect(out?.split('\n')).toEqual(['database: standalone server', expect.stringMatching(/^database: SKIP LOCKED probe passed/)]);
  });
}, ['mysql']);
