import { beforeEach, expect, it } from 'vitest';
import { markSending, markSent } from '../../src/store/delivery-sends.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedDelivery } from '../support/factory.js';

const content = (n: number) => ({
  address: `r${n}@shop.example`, subject: `s${n}`, text: `t${n} ‘quoted’`, html: n % 2 ? null : `<p>${n}</p>`, messageId: `<${n}@x>`, transport: 'console',
});

const AROUND = ['<delivery.', '@shop.example>'] as const;

describeEngines('batched send marks (store/delivery-sends.ts)', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  const seed = async (tokens: Array<string | null>) => {
    const ids: number[] = [];
    for (const [i, leaseToken] of tokens.entries()) ids.push(await seedDelivery(engine.db, { recipient: `r${i}@shop.example`, leaseToken }));
    return ids;
  };
  const rows = (ids: number[]) => engine.db.all<{ id: number; status: string; subject: string | null; text: string | null; html: string | null; messageId: string | null; leaseToken: string | null }>(
    `SELECT id, status, subject, text, html, message_id AS messageId, lease_token AS leaseToken FROM digest_deliveries WHERE id IN (${ids.join(', ')}) ORDER BY id`);

  it('marks sending only the rows that still carry the token, each with its own content, and says which', async () => {
    // The third was taken over by another worker; the fifth's lease was given up.
    const ids = await seed(['A', 'A', 'B', 'A', null]);
    const ours = await engine.db.transaction((tx) => markSending(tx, 'A', ids.map((id, n) => ({ id, content: content(n) })), 60_000));
    expect([...ours].sort((a, b) => a - b)).toEqual([ids[0], ids[1], ids[3]]);
    const after = await rows(ids);
    expect(after.map((r) => r.status)).toEqual(['sending', 'sending', 'pending', 'sending', 'pending']);
    expect(after[1]).toMatchObject({ subject: 's1', text: 't1 ‘quoted’', html: null, messageId: '<1@x>' });
    expect(after[3]).toMatchObject({ subject: 's3', html: null, messageId: '<3@x>' });
    expect(after[0]).toMatchObject({ subject: 's0', html: '<p>0</p>' });
    expect(after[2]).toMatchObject({ subject: null, leaseToken: 'B' });
  });

  it('marks sent only the rows that still carry the token, for one row and for many, and gives up their lease', async () => {
    const ids = await seed(['A', 'B', 'A', 'A']);
    expect([...(await engine.db.transaction((tx) => markSent(tx, 'A', ids, AROUND)))].sort((a, b) => a - b)).toEqual([ids[0], ids[2], ids[3]]);
    expect((await rows(ids)).map((r) => [r.status, r.leaseToken])).toEqual([['sent', null], ['pending', 'B'], ['sent', null], ['sent', null]]);
    // One row: its own affected count is the fence.
    expect([...(await engine.db.transaction((tx) => markSent(tx, 'A', [ids[1]!], AROUND)))]).toEqual([]);
    expect([...(await engine.db.transaction((tx) => markSent(tx, 'B', [ids[1]!], AROUND)))]).toEqual([ids[1]]);
  });

  it('writes the Message-ID of a delivery that has none stored (born with its content), and keeps a stored one', async () => {
    const ids = await seed(['A', 'A']);
    await engine.db.transaction((tx) => markSending(tx, 'A', [{ id: ids[1]!, content: content(1) }], 60_000));
    await engine.db.transaction((tx) => markSent(tx, 'A', ids, AROUND));
    expect((await rows(ids)).map((r) => r.messageId)).toEqual([`<delivery.${ids[0]}@shop.example>`, '<1@x>']);
  });

  it('splits a batch whose rendered content is large into several statements', async () => {
    const ids = await seed(Array(6).fill('A'));
    const big = 'x'.repeat(700 * 1024);
    const ours = await engine.db.transaction((tx) => markSending(tx, 'A', ids.map((id, n) => ({ id, content: { ...content(n), html: big } })), 60_000));
    expect(ours.size).toBe(6);
    expect((await rows(ids)).every((r) => r.status === 'sending' && r.html?.length === big.length)).toBe(true);
  });
});
