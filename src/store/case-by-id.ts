import { chunks, type Executor, placeholders } from './db.js';

/**
 * Sets one column of outstanding events to a value per event, 500 events a
 * statement: `SET <column> = CASE WHEN id IN (…) THEN ? … END`, rather than
 * one statement per value (per delivery when linking, per instant when
 * holding). Consecutive pairs with one value share one branch. Only rows
 * still outstanding (`delivery_id IS NULL`) change; returns how many did.
 */
export async function setOutstandingById(
  ex: Executor, column: 'delivery_id' | 'held_until', pairs: ReadonlyArray<readonly [value: unknown, id: number]>, alsoSet = '',
): Promise<number> {
  let changed = 0;
  for (const part of chunks(pairs, 500)) {
    const branches: Array<{ value: unknown; ids: number[] }> = [];
    for (const [value, id] of part) {
      const last = branches[branches.length - 1];
      if (last && last.value === value) last.ids.push(id);
      else branches.push({ value, ids: [id] });
    }
    const res = await ex.run(
      `UPDATE digest_events SET ${column} = CASE ${branches.map((b) => `WHEN id IN (${placeholders(b.ids.length)}) THEN ?`).join(' ')} END${alsoSet}
        WHERE delivery_id IS NULL AND id IN (${placeholders(part.length)})`,
      [...branches.flatMap((b) => [...b.ids, b.value]), ...part.map(([, id]) => id)]);
    changed += res.affectedRows;
  }
  return changed;
}
