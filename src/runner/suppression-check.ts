/**
 * Whether a delivery's address is suppressed, asked just before its send.
 * A message rendered at claim was looked up there, beside the claim's
 * writes (ClaimedDelivery.suppressedAs). For the others, one deliverAll
 * call asks for many deliveries: the addresses known when it starts (a
 * retry's address as last rendered: it renders the same unless the handler
 * or payload changed) are looked up together in one statement. An address
 * known only once rendered (a delivery never rendered before, or one whose
 * address changed) is looked up then, together with the others asking at
 * the same moment (groupCommit). */
import { normalAddress } from '../recipients/suppression-input.js';
import { selectSuppressedAmong } from '../store/suppressions.js';
import type { ClaimedDelivery, SuppressionReason } from '../types.js';
import { groupCommit } from './commit.js';
import type { RunnerContext } from './context.js';

/** The reason an address is suppressed, or undefined when it may be sent to. */
export type SuppressionCheck = (address: string) => Promise<SuppressionReason | undefined>;

export function suppressionCheck(ctx: RunnerContext, list: readonly ClaimedDelivery[]): SuppressionCheck {
  // Looked up already, by the claim that rendered them (runner/claim.ts).
  const checked = new Map<string, SuppressionReason | undefined>();
  for (const d of list) if (d.message && d.suppressedAs !== undefined) checked.set(normalAddress(d.message.to), d.suppressedAs ?? undefined);
  const known = new Set(list.flatMap((d) => {
    const address = d.message?.to ?? d.address;
    return address && !checked.has(normalAddress(address)) ? [normalAddress(address)] : [];
  }));
  let first: Promise<Map<string, SuppressionReason>> | undefined;
  const later = groupCommit(async (addresses: string[]) => {
    const found = await selectSuppressedAmong(ctx.db, addresses);
    return addresses.map((a) => found.get(a));
  });
  return async (address) => {
    const a = normalAddress(address);
    if (checked.has(a)) return checked.get(a);
    if (!known.has(a)) return later(a);
    // Started by the first send that asks: a list handed back unstarted (shutdown) asks nothing.
    first ??= selectSuppressedAmong(ctx.db, [...known]);
    return (await first).get(a);
  };
}
