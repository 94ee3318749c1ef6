import { DigestError } from '../errors.js';
import { markDeferred, markFailed } from '../store/delivery-marks.js';
import { isConnectionError } from '../store/errors.js';
import { isTransportUnavailable } from '../transports/errors.js';
import { backoffMs } from './backoff.js';
import { retryDelay } from './retry-delay.js';
import { circuitOf } from './circuits.js';
import type { ClaimedDelivery, DeliveryOutcome } from '../types.js';
import { type RunnerContext, typeConfig } from './context.js';
import { type DeliveryCommits, persist } from './commit.js';
import { messageIdFor } from './message-id.js';
import { isPullTransport } from './pull.js';
import { renderDelivery } from './render.js';
import type { Send } from './sender.js';
import { splitPoison } from './split-poison.js';
import { unsubscribeFields } from '../unsubscribe/link.js';
import type { SuppressionCheck } from './suppression-check.js';


const isPermanent = (err: unknown) => err instanceof DigestError && err.code === 'PERMANENT_DELIVERY';
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 4000);

/** The transport is done with a delivery (its worker may start the next); `outcome` settles once that is recorded. */
export interface Handed {
  outcome: Promise<DeliveryOutcome>;
}

const handed = (outcome: DeliveryOutcome | Promise<DeliveryOutcome>): Handed => ({ outcome: Promise.resolve(outcome) });

/**
 * Render → suppressed? → mark sending → send → (mark sent + stamp, one
 * transaction); a delivery born `sending` with its message at claim starts
 * at the suppression check. One whose address is suppressed is not sent:
 * it is marked `suppressed` and its events stamped, for good.
 * No transaction is held while rendering or sending; the two marks are
 * group-committed with the other deliveries in flight (see DeliveryCommits).
 * Any failure here fails this delivery only; the caller goes on with the
 * other recipients. 'lost' means our lease was taken over (we stalled): we
 * change nothing.
 */
export async function deliver(
  ctx: RunnerContext, claimed: ClaimedDelivery, commits: DeliveryCommits, send: Send, suppressed: SuppressionCheck,
): Promise<Handed> {
  let d = claimed;
  const cfg = typeConfig(ctx, d.eventType);
  const about = { deliveryId: d.id, type: d.eventType, attempt: d.attempts };
  // The Message-ID the transport was handed, once it was (stored with a failure).
  let sentWith: string | undefined;
  const fail = async (stage: string, err: unknown, deterministic = false): Promise<DeliveryOutcome> => {
    // A permanent rejection (SMTP 5xx, webhook 4xx) cannot succeed on retry,
    // nor can a render failure (rendering is pure: same events, same error).
    const dead = deterministic || isPermanent(err) || d.attempts >= cfg.maxAttempts;
    const retryIn = dead ? null : await retryDelay(ctx, d, backoffMs(d.attempts, { baseMs: ctx.retryBaseMs, random: ctx.random }));
    if (!(await persist(() => markFailed(ctx.db, d.id, d.leaseToken, `${stage}: ${errorText(err)}`, retryIn, ctx.databaseNow?.(), sentWith)))) return 'lost';
    ctx.lifecycle.emit(dead ? 'delivery.dead' : 'delivery.failed', { ...about, stage, retryInMs: retryIn, err: errorText(err) });
    return dead ? 'dead' : 'failed';
  };
  const defer = async (waitMs: number, reason: string): Promise<DeliveryOutcome> => {
    const error = `send: transport ${cfg.transport} unavailable (${reason})`;
    if (!(await persist(() => markDeferred(ctx.db, d.id, d.leaseToken, error, waitMs, ctx.databaseNow?.())))) return 'lost';
    ctx.lifecycle.emit('delivery.deferred', { ...about, retryInMs: waitMs, reason });
    return 'deferred';
  };

  // Born `sending` with its message at claim (prepare.ts): nothing to render or store.
  let message = d.message;
  if (!message) {
    const outcome = renderDelivery(ctx, d.eventType, d.recipient, d.events, d.settings);
    if (!outcome.ok) return handed(fail('render', outcome.error, true));
    if (outcome.poison.length > 0) {
      let deadId: number | null;
      try {
        deadId = await persist(() => splitPoison(ctx, d, outcome.poison));
      } catch (err) {
        if (isConnectionError(err)) throw err;
        return handed(fail('store', err));
      }
      if (deadId == null) return handed('lost');
      ctx.lifecycle.emit('delivery.split', { ...about, deadDeliveryId: deadId, events: outcome.poison.map((p) => p.event.id) });
      d = { ...d, events: outcome.events };
    }
    const { to, message: { subject, text, html } } = outcome.rendered;
    message = { to, subject, text, html };
  }
  // Before the transport is asked anything: a suppressed address costs no send, no probe, no attempt.
  let reason: Awaited<ReturnType<SuppressionCheck>>;
  try {
    reason = await suppressed(message.to);
  } catch (err) {
    if (isConnectionError(err)) throw err;
    return handed(fail('store', err));
  }
  if (reason) {
    const events = d.events.length;
    const note = `suppressed: the address is on the suppression list (${reason})`;
    return handed(commits.suppressed({ delivery: d, address: message.to, note }).then((held) => {
      if (!held) return 'lost';
      ctx.lifecycle.emit('delivery.suppressed', { ...about, events, reason, transport: cfg.transport });
      return 'suppressed';
    }));
  }
  // A pull transport's consumers send it (runner/pull.ts): stored `ready`,
  // no transport asked, no circuit; the consumer's ack or nack settles it.
  if (isPullTransport(ctx, cfg.transport)) {
    const { to, subject, text, html } = message;
    const content = d.message
      ? undefined
      : { address: to, subject: subject ?? null, text: text ?? null, html: html ?? null, messageId: messageIdFor(d.id, ctx.messageIdDomain), transport: cfg.transport };
    const events = d.events.length;
    return handed(commits.ready({ delivery: d, ...(content && { content }) }).then((held): DeliveryOutcome => {
      if (!held) return 'lost';
      ctx.lifecycle.emit('delivery.ready', { ...about, events, transport: cfg.transport });
      return 'ready';
    }, (err: unknown) => {
      // As for a send's mark: a row the database refuses fails alone; an outage is the run's.
      if (isConnectionError(err)) throw err;
      return fail('store', err);
    }));
  }
  // Before anything is marked: a delivery of a transport that is down waits
  // as it is, and a probe in flight is waited for (transport-circuit.ts).
  const admission = await circuitOf(ctx, cfg.transport).admit();
  if (!admission.send) return handed(defer(admission.waitMs, admission.reason));
  const { ticket } = admission;
  let sendMs = 0;
  try {
    const messageId = messageIdFor(d.id, ctx.messageIdDomain);
    const { to, subject, text, html } = message;
    if (!d.message) {
      // Every (re)send goes through the type's transport as configured now, and
      // the row records which one took it (see replay.ts for why).
      const content = { address: to, subject: subject ?? null, text: text ?? null, html: html ?? null, messageId, transport: cfg.transport };
      let ours: boolean;
      try {
        ours = await commits.sending({ delivery: d, content });
      } catch (err) {
        // Not an outage (persist rode those out): this delivery cannot be stored
        // (e.g. a message over max_allowed_packet). Fail it alone.
        if (isConnectionError(err)) throw err;
        return handed(fail('store', err));
      }
      if (!ours) return handed('lost');
    }

    try {
      const started = performance.now();
      sentWith = messageId;
      await send({
        deliveryId: d.id, messageId, eventType: d.eventType, recipient: d.recipient, to, subject, text, html,
        // Not stored with the row: derived again from the config, equal to the one rendered into the bodies.
        ...unsubscribeFields(ctx.config, { recipient: d.recipient, type: d.eventType }),
      });
      sendMs = performance.now() - started;
      ticket.answered();
    } catch (err) {
      // Nobody answered: not this message's fault, so not an attempt.
      if (isTransportUnavailable(err)) return handed(defer(ticket.unavailable(err), err.reason));
      ticket.answered();
      return handed(fail('send', err));
    }
  } finally {
    // A probe that never reached the transport frees the probe for the next send.
    ticket.abandon();
  }
  // Not awaited here: the worker goes on to its next send while this one's
  // sent-mark waits for the next group commit.
  return {
    outcome: commits.sent(d).then((held) => {
      if (!held) return 'lost';
      ctx.lifecycle.emit('delivery.sent', { ...about, events: d.events.length, transport: cfg.transport, sendMs });
      return 'sent';
    }),
  };
}
