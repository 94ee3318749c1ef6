/**
 * The suppression list on both engines: stored lower-cased, matched
 * case-insensitively, listed newest first or by address, removed; bounce
 * reports (hard and complaint suppress, soft does not); field-named errors.
 */
import { beforeEach, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { createDigest } from '../../src/index.js';
import { lifecycleLine } from '../../src/lifecycle-log.js';
import { createSuppressionList } from '../../src/recipients/suppression-list.js';
import { selectSuppressedAmong } from '../../src/store/suppressions.js';
import { DatabaseClock } from '../support/database-clock.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const issuesOf = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).issues;
};

describeEngines('the suppression list', (engine) => {
  const clock = new DatabaseClock();
  const list = () => createSuppressionList(engine.db, clock.now);
  beforeEach(() => truncateAll(engine.db));

  it('stores the address lower-cased with reason manual by default; suppressing again replaces reason and detail', async () => {
    const s = await list().suppress('  Ann@Shop.Example ');
    expect(s).toMatchObject({ address: 'ann@shop.example', reason: 'manual', detail: null });
    expect(s.createdAt).toBeInstanceOf(Date);
    const again = await list().suppress('ANN@shop.example', 'complaint', 'FBL report 42');
    expect(again).toMatchObject({ address: 'ann@shop.example', reason: 'complaint', detail: 'FBL report 42' });
    expect(await list().countSuppressions()).toBe(1);
  });

  it('unsuppress matches any case and says whether the address was suppressed', async () => {
    await list().suppress('bob@shop.example', 'bounce');
    expect(await list().unsuppress('BOB@Shop.Example')).toBe(true);
    expect(await list().unsuppress('bob@shop.example')).toBe(false);
    expect(await list().countSuppressions()).toBe(0);
  });

  it('lists newest first and by address, page by page, each row once', async () => {
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const addresses = ['d@x.example', 'b@x.example', 'a@x.example', 'c@x.example', 'e@x.example'];
    for (const [i, a] of addresses.entries()) {
      // b and a share a time: the tie is broken by address.
      clock.set(new Date(t0.getTime() + (i === 2 ? 1 : i) * 1000));
      await list().suppress(a);
    }
    const newest = await list().listSuppressions({ order: 'newest', limit: 2 });
    expect(newest.map((s) => s.address)).toEqual(['e@x.example', 'c@x.example']);
    const last = newest.at(-1)!;
    const next = await list().listSuppressions({ order: 'newest', after: { createdAt: last.createdAt, address: last.address }, limit: 2 });
    expect(next.map((s) => s.address)).toEqual(['a@x.example', 'b@x.example']);
    const rest = await list().listSuppressions({ order: 'newest', after: { createdAt: next[1]!.createdAt, address: next[1]!.address }, limit: 2 });
    expect(rest.map((s) => s.address)).toEqual(['d@x.example']);

    const byAddress = await list().listSuppressions({ order: 'address', limit: 3 });
    expect(byAddress.map((s) => s.address)).toEqual(['a@x.example', 'b@x.example', 'c@x.example']);
    expect((await list().listSuppressions({ order: 'address', after: 'c@x.example', limit: 3 })).map((s) => s.address)).toEqual(['d@x.example', 'e@x.example']);
  });

  it('finds the suppressed among many addresses, past one statement\'s chunk', async () => {
    await list().suppress('u1200@x.example', 'bounce');
    await list().suppress('u3@x.example', 'complaint');
    const asked = Array.from({ length: 1500 }, (_, i) => `u${i}@x.example`);
    const found = await selectSuppressedAmong(engine.db, asked);
    expect([...found.entries()].sort()).toEqual([['u1200@x.example', 'bounce'], ['u3@x.example', 'complaint']]);
  });

  it('names the field at fault: address, reason, detail', async () => {
    expect(await issuesOf(list().suppress('not an address'))).toEqual([{ path: 'address', message: '"not an address" is not an email address (local@domain)' }]);
    expect(await issuesOf(list().suppress('', 'manual'))).toEqual([expect.objectContaining({ path: 'address' })]);
    expect(await issuesOf(list().suppress('a@x.example', 'spam' as never))).toEqual([{ path: 'reason', message: 'must be one of manual, bounce, complaint' }]);
    expect(await issuesOf(list().suppress('a@x.example', 'manual', 'x'.repeat(2001)))).toEqual([expect.objectContaining({ path: 'detail' })]);
    expect(await issuesOf(list().add({ address: 'a@x.example', why: 'spam' }))).toEqual([{ path: 'why', message: 'is not a known field' }]);
    expect(await list().countSuppressions()).toBe(0);
  });

  it('bounce reports: hard bounces and complaints suppress, soft bounces do not; the answer says which', async () => {
    const out = await list().reportBounces([
      { type: 'soft', address: 'Full@Box.example', detail: '452 mailbox full' },
      { type: 'hard', address: 'Gone@Shop.example', detail: '550 5.1.1 no such user' },
      { type: 'complaint', address: 'angry@shop.example' },
    ]);
    expect(out).toEqual([
      { type: 'soft', address: 'full@box.example', action: 'ignored', reason: null },
      { type: 'hard', address: 'gone@shop.example', action: 'suppressed', reason: 'bounce' },
      { type: 'complaint', address: 'angry@shop.example', action: 'suppressed', reason: 'complaint' },
    ]);
    const stored = await list().listSuppressions({ order: 'address' });
    expect(stored.map((s) => [s.address, s.reason, s.detail])).toEqual([
      ['angry@shop.example', 'complaint', null],
      ['gone@shop.example', 'bounce', '550 5.1.1 no such user'],
    ]);
    // One report alone (not in an array) is accepted too.
    expect(await list().reportBounces({ type: 'soft', address: 'x@y.example' })).toEqual([{ type: 'soft', address: 'x@y.example', action: 'ignored', reason: null }]);
    expect(await list().countSuppressions()).toBe(2);
  });

  it('the library: suppress, listSuppressions, unsuppress on the digest object', async () => {
    const digest = createDigest({ databaseUrl: engine.url });
    try {
      expect(await digest.suppress('Eve@Shop.example', 'bounce', 'hard bounce')).toMatchObject({ address: 'eve@shop.example', reason: 'bounce', detail: 'hard bounce' });
      expect(await digest.suppress('zed@shop.example')).toMatchObject({ reason: 'manual' });
      expect((await digest.listSuppressions({ order: 'address' })).map((s) => s.address)).toEqual(['eve@shop.example', 'zed@shop.example']);
      await expect(digest.suppress('eve', 'bounce')).rejects.toThrow('suppression is invalid: address: "eve" is not an email address (local@domain)');
      expect(await digest.unsuppress('EVE@shop.example')).toBe(true);
      expect((await digest.listSuppressions()).map((s) => s.address)).toEqual(['zed@shop.example']);
    } finally {
      await digest.close();
    }
  });

  it('the delivery.suppressed log line carries ids, type and reason, never the address', () => {
    const [level, line] = lifecycleLine({
      name: 'delivery.suppressed', fields: { deliveryId: 7, type: 'Order.Created', attempt: 0, events: 2, reason: 'bounce', transport: 'mail' },
    });
    expect(level).toBe('info');
    expect(line).toEqual({ deliveryId: 7, type: 'Order.Created', attempt: 0, evt: 'delivery.suppressed', events: 2, reason: 'bounce' });
  });

  it('a bad report names its index and field, and nothing of the batch is stored', async () => {
    const issues = await issuesOf(list().reportBounces([{ type: 'hard', address: 'a@x.example' }, { type: 'bounced', address: 'b@x.example' }, { type: 'hard' }]));
    expect(issues).toEqual([
      { path: '[1].type', message: 'must be one of hard, soft, complaint' },
      { path: '[2].address', message: 'is required' },
    ]);
    expect(await list().countSuppressions()).toBe(0);
  });
});
