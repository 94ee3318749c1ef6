/**
 * What the `q` of GET /v1/deliveries asks for. One box finds a delivery by
 * what a person has at hand: the Message-ID from a received mail's headers
 * (with or without its angle brackets), an event id from the producer's logs
 * (`event:123`, or just `123`), or else a recipient key, exactly.
 *
 * A Message-ID names its delivery's id (runner/message-id.ts) and an event
 * its delivery: both resolve to one row by primary key, never a scan.
 */
export type DeliverySearch =
  | { kind: 'messageId'; deliveryId: number; messageId: string }
  | { kind: 'event'; eventId: number }
  | { kind: 'recipient'; recipient: string };

const MESSAGE_ID = /^<?(delivery\.([1-9]\d{0,15})@[^<>\s@]+)>?$/;
const EVENT_ID = /^(?:event:)?([1-9]\d{0,15})$/;

export function parseDeliverySearch(q: string): DeliverySearch {
  const text = q.trim();
  const m = MESSAGE_ID.exec(text);
  if (m) return { kind: 'messageId', deliveryId: Number(m[2]), messageId: `<${m[1]}>` };
  const e = EVENT_ID.exec(text);
  if (e) return { kind: 'event', eventId: Number(e[1]) };
  return { kind: 'recipient', recipient: q };
}
