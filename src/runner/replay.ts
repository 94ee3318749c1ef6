import { DigestError } from '../errors.js';
import { normalAddress } from '../recipients/suppression-input.js';
import { selectDeliveriesByIds } from '../store/deliveries.js';
import { unsubscribeFields } from '../unsubscribe/link.js';
import { selectSuppressedAmong } from '../store/suppressions.js';
import type { RunnerContext } from './context.js';

/**
 * Re-sends a sent delivery exactly as it was: the stored address, subject,
 * bodies and Message-ID. Nothing is re-rendered and no state changes: the
 * delivery stays `sent`, its events stay stamped. (For a receiver that lost
 * the message; it may drop it as a duplicate by its Message-ID, which is the
 * point of keeping it.)
 *
 * Like every other (re)send, it goes through the transport the delivery's
 * type is configured with now, not the name stored on the row: ops who
 * rename a transport or move a type to another relay expect queued retries
 * and replays to follow the config, not to fail on a name that no longer
 * exists. The row's `transport` records the one that last took it.
 */
export async function replayDelivery(ctx: RunnerContext, id: number): Promise<void> {
  const [d] = await selectDeliveriesByIds(ctx.db, [id]);
  if (!d) throw new DigestError('NOT_FOUND', `delivery ${id} does not exist`);
  if (d.status === 'suppressed') throw new DigestError('NOT_SENT', `delivery ${id} is suppressed (its address is on the suppression list): nothing to replay`);
  if (d.status === 'cancelled') throw new DigestError('NOT_SENT', `delivery ${id} is cancelled (its event was cancelled before its digest): nothing to replay`);
  if (d.status !== 'sent') throw new DigestError('NOT_SENT', `delivery ${id} is ${d.status}, not sent: use \`digest retry ${id}\``);
  // Suppressed since it was sent: a replay is a send like any other.
  const to = d.address ?? d.recipient;
  const reason = (await selectSuppressedAmong(ctx.db, [normalAddress(to)])).values().next().value;
  if (reason) throw new DigestError('SUPPRESSED', `delivery ${id} was not replayed: its address is on the suppression list (${reason})`);
  const name = ctx.config.events[d.eventType]?.transport;
  const transport = name == null ? undefined : ctx.transports.get(name);
  if (!transport) throw new DigestError('NO_TRANSPORT', `delivery ${id} is of type "${d.eventType}", which is no longer in the schedules config`);
  try {
    await transport.send({
      deliveryId: d.id, messageId: d.messageId!, eventType: d.eventType, recipient: d.recipient, to,
      subject: d.subject ?? undefined, text: d.text ?? undefined, html: d.html ?? undefined,
      ...unsubscribeFields(ctx.config, { recipient: d.recipient, type: d.eventType }),
    });
  } catch (err) {
    // A transient send error is a plain Error (webhook 503, SMTP 4xx): named as
    // this replay's failure, so callers (the CLI, the HTTP route's 502) tell it
    // from a bug. Its message is the remote reply, never the message body.
    if (err instanceof DigestError) throw err;
    throw new DigestError('SEND_FAILED', `delivery ${id} was not replayed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  ctx.lifecycle.emit('delivery.replayed', { deliveryId: d.id, type: d.eventType, transport: name! });
}
