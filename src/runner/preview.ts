/**
 * Dry run (issue 16, "preview equals send"): what `run now` would send at
 * this moment, rendered by the same code a real run uses, claiming nothing.
 * It follows `run now`'s choices one by one:
 *   - events: every outstanding one of the type, held ones included (run
 *     now's pool is `all`: runner/claim.ts), oldest first;
 *   - deliveries: a recipient's oldest MAX_EVENTS_PER_DELIVERY per delivery,
 *     the rest in the follow-up runs' deliveries (runner/run.ts), each group
 *     as group.ts makes it (a row that can never render alone);
 *   - a recipient who turned the type off gets nothing (recipients/timing.ts
 *     with `manual`: only `off` holds in a run now), nor does an address on
 *     the suppression list (runner/deliver.ts checks it before the send):
 *     both are named in `suppressed`, without a message;
 *   - language and zone from the recipient's profile (recipient-settings.ts),
 *     the unsubscribe link signed from the config (unsubscribe/link.ts);
 *   - the header fields of a mail transport (smtp, file) as
 *     transports/mail-message.ts writes them.
 * The one header it cannot give is Message-ID: a delivery's is made from its
 * row id (runner/message-id.ts), which exists only once a claim inserts the
 * row. A preview inserts nothing, and guessing the next id would be wrong as
 * soon as anything else inserts a delivery first.
 */
import { timingFor } from '../recipients/timing.js';
import { normalAddress } from '../recipients/suppression-input.js';
import { selectOutstandingEvents } from '../store/read-pages.js';
import { selectRecipientsByKeys } from '../store/recipients.js';
import { selectSuppressedAmong } from '../store/suppressions.js';
import { mailHeaderFields } from '../transports/mail-message.js';
import type { StoredEvent } from '../types.js';
import { unsubscribeFields } from '../unsubscribe/link.js';
import { type RunnerContext, typeConfig } from './context.js';
import { eventsPerDelivery, groupEvents, MAX_EVENTS_PER_DELIVERY } from './group.js';
import { settingsFrom } from './recipient-settings.js';
import { renderDelivery } from './render.js';

export interface PreviewMessage {
  recipient: string;
  events: number[];
  to?: string;
  subject?: string;
  text?: string;
  html?: string;
  /** A mail transport's header fields, as the message is written but for Date and Message-ID (see above). */
  headers?: Record<string, string>;
  /** Why a real run would send nothing here (the recipient turned the type off, the address is on the suppression list). */
  suppressed?: string;
  error?: string;
}

/** The events `run now` puts in its deliveries, in its order: a recipient's oldest MAX_EVENTS_PER_DELIVERY per run. */
export function runNowRounds(events: readonly StoredEvent[], maxPerDelivery = MAX_EVENTS_PER_DELIVERY): StoredEvent[][] {
  const byRecipient = new Map<string, StoredEvent[]>();
  for (const e of [...events].sort((a, b) => a.id - b.id)) {
    const list = byRecipient.get(e.recipient);
    if (list) list.push(e);
    else byRecipient.set(e.recipient, [e]);
  }
  const rounds: StoredEvent[][] = [];
  for (let i = 0; ; i += maxPerDelivery) {
    const round = [...byRecipient.values()].flatMap((list) => list.slice(i, i + maxPerDelivery));
    if (round.length === 0) return rounds;
    rounds.push(round);
  }
}

export async function previewType(ctx: RunnerContext, type: string, recipient?: string, limit = 10_000): Promise<PreviewMessage[]> {
  const handler = ctx.registry.require(type);
  const cfg = typeConfig(ctx, type);
  const now = ctx.databaseNow?.();
  const events = await selectOutstandingEvents(ctx.db, type, recipient ?? null, limit, now);
  const profiles = events.length ? await selectRecipientsByKeys(ctx.db, events.map((e) => e.recipient)) : new Map();
  const settingsOf = settingsFrom(ctx, profiles);
  const transport = ctx.config.transports[cfg.transport];
  const from = transport && (transport.kind === 'smtp' || transport.kind === 'file') ? transport.from : undefined;

  const out: Array<PreviewMessage & { address?: string }> = [];
  const perDelivery = eventsPerDelivery(cfg);
  for (const round of runNowRounds(events, perDelivery)) {
    for (const g of groupEvents(round, handler.group, perDelivery)) {
      const base = { recipient: g.recipient, events: g.events.map((e) => e.id) };
      const settings = settingsOf(type, g.recipient, g.events);
      // As the claim times a run now (manual): only `off` keeps a recipient's events from going out.
      const timing = timingFor(cfg, profiles.get(g.recipient), settings.timeZone, new Date(0), now ?? new Date(), true);
      if (timing.act === 'suppress') {
        out.push({ ...base, suppressed: `the recipient turned ${type} off` });
        continue;
      }
      // The same render path as a real run: events a real run would split off
      // into a dead delivery are named in `error` beside the message of the rest.
      const outcome = renderDelivery(ctx, type, g.recipient, g.events, settings);
      if (!outcome.ok) {
        out.push({ ...base, error: outcome.error });
        continue;
      }
      const { to, message } = outcome.rendered;
      const leftOut = outcome.poison.map((p) => p.reason).join('; ');
      const unsubscribe = unsubscribeFields(ctx.config, { recipient: g.recipient, type });
      out.push({
        ...base, events: outcome.events.map((e) => e.id), to, ...message,
        ...(from != null && { headers: mailHeaderFields(from, { to, subject: message.subject, eventType: type, ...unsubscribe }) }),
        ...(leftOut && { error: `left out (dead on a real run): ${leftOut}` }),
        address: to,
      });
    }
  }
  // One statement for all the addresses, as the claim reads them for its page.
  const addresses = out.flatMap((m) => (m.address != null ? [normalAddress(m.address)] : []));
  const listed = addresses.length ? await selectSuppressedAmong(ctx.db, addresses) : new Map<string, string>();
  return out.map(({ address, ...m }) => {
    const reason = address != null ? listed.get(normalAddress(address)) : undefined;
    if (!reason) return m;
    return { recipient: m.recipient, events: m.events, to: m.to, suppressed: `the address is on the suppression list (${reason})` };
  });
}
