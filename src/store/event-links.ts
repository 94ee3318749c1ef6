/**
 * digest_events and their deliveries: linking claimed events to a delivery,
 * moving unrenderable ones to a dead one, stamping them processed, and
 * reading back what a delivery carries.
 */
import { chunks, type Executor, nowParam, nowSql, placeholders } from './db.js';
import { setOutstandingById } from './case-by-id.js';
import { eventColumns, toEvent } from './event-row.js';
import type { StoredEvent } from '../types.js';

export interface EventLink {
  deliveryId: number;
  eventIds: readonly number[];
}

/**
 * Links claimed events to their deliveries: one UPDATE per 500 events
 * (`SET delivery_id = CASE WHEN id IN (…) THEN ? … END`) rather than one per
 * delivery, which for per-event deliveries was one statement per event.
 * Set once: `delivery_id IS NULL` keeps it so. A held event stops being
 * held once linked (held_until back to NULL): the due-time index keeps only
 * what still waits.
 */
export async function linkEvents(ex: Executor, links: readonly EventLink[]): Promise<number> {
  const pairs = links.flatMap((l) => l.eventIds.map((id) => [l.deliveryId, id] as const));
  return setOutstandingById(ex, 'delivery_id', pairs, ', held_until = NULL');
}

/**
 * The stamp: these events (of deliveries just marked sent) are processed.
 * By primary key: the runner holds the ids, and the primary key is cheaper
 * to walk than the delivery index.
 */
export async function stampEvents(ex: Executor, eventIds: readonly number[], now?: Date): Promise<number> {
  let stamped = 0;
  for (const part of chunks(eventIds)) {
    const res = await ex.run(
      `UPDATE digest_events SET processed_at = ${nowSql(ex)} WHERE id IN (${placeholders(part.length)}) AND processed_at IS NULL`,
      [nowParam(now), ...part]);
    stamped += res.affectedRows;
  }
  return stamped;
}

/**
 * Stamps the events of one delivery (a pull consumer's ack): by
 * digest_events_delivery, since the acking request holds only the delivery id.
 */
export async function stampDeliveryEvents(ex: Executor, deliveryId: number, now?: Date): Promise<number> {
  const res = await ex.run(
    `UPDATE digest_events SET processed_at = ${nowSql(ex)} WHERE delivery_id = ? AND processed_at IS NULL`,
    [nowParam(now), deliveryId]);
  return res.affectedRows;
}

/** Moves events that cannot be rendered from their delivery to the dead one split off for them. */
export async function relinkEvents(ex: Executor, fromDeliveryId: number, toDeliveryId: number, eventIds: readonly number[]): Promise<number> {
  let moved = 0;
  for (const part of chunks(eventIds)) {
    const res = await ex.run(
      `UPDATE digest_events SET delivery_id = ? WHERE delivery_id = ? AND processed_at IS NULL AND id IN (${placeholders(part.length)})`,
      [toDeliveryId, fromDeliveryId, ...part]);
    moved += res.affectedRows;
  }
  return moved;
}

export async function selectDeliveryEvents(ex: Executor, deliveryId: number): Promise<StoredEvent[]> {
  const rows = await ex.all<StoredEvent>(
    `SELECT ${eventColumns(ex)} FROM digest_events WHERE delivery_id = ? ORDER BY id`,
    [deliveryId]);
  return rows.map(toEvent);
}

/** The ids of the events of many deliveries (what a pull consumer is told), each delivery's in id order. */
export async function selectEventIdsOfDeliveries(ex: Executor, deliveryIds: readonly number[]): Promise<Map<number, number[]>> {
  const byDelivery = new Map<number, number[]>();
  for (const part of chunks(deliveryIds)) {
    const rows = await ex.all<{ deliveryId: number; id: number }>(
      `SELECT delivery_id AS deliveryId, id FROM digest_events WHERE delivery_id IN (${placeholders(part.length)}) ORDER BY delivery_id, id`,
      part);
    for (const r of rows) {
      const id = Number(r.deliveryId);
      const list = byDelivery.get(id);
      if (list) list.push(Number(r.id));
      else byDelivery.set(id, [Number(r.id)]);
    }
  }
  return byDelivery;
}

/**
 * The events of many deliveries at once (recovery re-renders a page of them):
 * one statement per 1000 deliveries instead of one per delivery. By
 * digest_events_delivery; each delivery's events in id order, as
 * selectDeliveryEvents reads them. A delivery with no events is absent.
 */
export async function selectEventsOfDeliveries(ex: Executor, deliveryIds: readonly number[]): Promise<Map<number, StoredEvent[]>> {
  const byDelivery = new Map<number, StoredEvent[]>();
  for (const part of chunks(deliveryIds)) {
    const rows = await ex.all<StoredEvent & { deliveryId: number }>(
      `SELECT delivery_id AS deliveryId, ${eventColumns(ex)} FROM digest_events
        WHERE delivery_id IN (${placeholders(part.length)}) ORDER BY delivery_id, id`,
      part);
    for (const r of rows) {
      const id = Number(r.deliveryId);
      const list = byDelivery.get(id) ?? [];
      if (list.length === 0) byDelivery.set(id, list);
      list.push(toEvent(r));
    }
  }
  return byDelivery;
}
