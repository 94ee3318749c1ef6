/**
 * Test rows (River's testfactory): one seed function per table inserts a row
 * with sensible defaults, every column overridable, and returns its id —
 * so tests set up state in one line instead of writing SQL. Rows go in as
 * given: no validation, no handler, no lease logic (a poison payload or an
 * expired lease is one override away). Dates bind as each engine stores
 * them (the executors do that); an omitted column takes its schema default.
 * Tests of the direct-SQL producer contract keep their own INSERTs on purpose.
 */
import type { Executor } from '../../src/store/db.js';
import type { DeliveryRow as StoreDeliveryRow } from '../../src/store/delivery-row.js';
import type { RunRow } from '../../src/store/run-row.js';

type Values = Record<string, unknown>;

const column = (key: string) => {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return snake === 'trigger' ? '`trigger`' : snake;
};
const given = (values: Values) => Object.entries(values).filter(([, v]) => v !== undefined);

async function insertRow(ex: Executor, table: string, values: Values): Promise<number> {
  const cols = given(values);
  const res = await ex.run(
    `INSERT INTO ${table} (${cols.map(([k]) => column(k)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
    cols.map(([, v]) => v));
  return res.insertId;
}

async function updateRow(ex: Executor, table: string, id: number | string, values: Values): Promise<void> {
  const cols = given(values);
  await ex.run(`UPDATE ${table} SET ${cols.map(([k]) => `${column(k)} = ?`).join(', ')} WHERE id = ?`, [...cols.map(([, v]) => v), id]);
}

export interface EventRow {
  type: string;
  recipient: string;
  /** An object is stored as its JSON; a string is stored as it is (invalid JSON included). */
  payload: unknown;
  idempotencyKey: string | null;
  occurredAt: Date;
  availableAt: Date;
  recordedAt: Date;
  processedAt: Date | null;
  deliveryId: number | null;
  id: number;
}

const payloadText = (p: unknown) => (typeof p === 'string' ? p : JSON.stringify(p));

/** An outstanding `Order.Created` event for ann@shop.example unless overridden. */
export async function seedEvent(ex: Executor, o: Partial<EventRow> = {}): Promise<number> {
  const { payload = { email_address: o.recipient ?? 'ann@shop.example', order_id: 1 }, ...rest } = o;
  return insertRow(ex, 'digest_events', { type: 'Order.Created', recipient: 'ann@shop.example', ...rest, payload: payloadText(payload) });
}

export const updateEvent = (ex: Executor, id: number, o: Partial<Omit<EventRow, 'id'>>) =>
  updateRow(ex, 'digest_events', id, 'payload' in o ? { ...o, payload: payloadText(o.payload) } : o);

/** Every column of the store's row (store/delivery-row.ts), plus the two it does not read back. */
export type DeliveryRow = StoreDeliveryRow & { groupKey: string; leaseUntil: Date | null };

/** A pending `Order.Created` delivery to ann@shop.example in run 1 unless overridden; its group key is its recipient. */
export async function seedDelivery(ex: Executor, o: Partial<DeliveryRow> = {}): Promise<number> {
  const recipient = o.recipient ?? 'ann@shop.example';
  return insertRow(ex, 'digest_deliveries', { runId: 1, eventType: 'Order.Created', recipient, groupKey: recipient, transport: 'console', ...o });
}

export const updateDelivery = (ex: Executor, id: number, o: Partial<Omit<DeliveryRow, 'id'>>) => updateRow(ex, 'digest_deliveries', id, o);

/** A running manual `Order.Created` run owned by `test` unless overridden. */
export async function seedRun(ex: Executor, o: Partial<RunRow> = {}): Promise<number> {
  return insertRow(ex, 'digest_runs', { eventType: 'Order.Created', trigger: 'manual', owner: 'test', ...o });
}

export const updateRun = (ex: Executor, id: number, o: Partial<Omit<RunRow, 'id'>>) => updateRow(ex, 'digest_runs', id, o);

/** A scheduler process row (heartbeating now unless overridden); returns its id. */
export async function seedWorker(ex: Executor, o: Partial<{ id: string; host: string; pid: number; startedAt: Date; heartbeatAt: Date }> = {}): Promise<string> {
  const id = o.id ?? 'test-worker';
  await insertRow(ex, 'digest_workers', { host: 'test-host', pid: 1, ...o, id });
  return id;
}
