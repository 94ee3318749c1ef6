/**
 * The bounce/complaint webhook's body (`POST /v1/bounces`): one report or an
 * array of them, each `{ type: "hard" | "soft" | "complaint", address,
 * detail? }`. A simple shape of our own rather than one provider's: a small
 * adapter in front (SES, Postmark, Mailgun …) maps its payload onto it.
 */
import { z } from 'zod';
import type { SuppressionReason } from '../types.js';
import { addressSchema, detailSchema, parseOrThrow } from './suppression-input.js';

export const BOUNCE_TYPES = ['hard', 'soft', 'complaint'] as const;
export type BounceType = (typeof BOUNCE_TYPES)[number];

/** At most this many reports per request: a runaway sender gets a 422, not a long transaction. */
export const MAX_BOUNCES = 1000;

const report = z.strictObject({
  type: z.enum(BOUNCE_TYPES, { error: `must be one of ${BOUNCE_TYPES.join(', ')}` }),
  address: addressSchema,
  detail: detailSchema.nullish(),
}, { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object' : undefined) });

const reports = z.array(report).min(1, { error: 'must hold at least one report' }).max(MAX_BOUNCES, { error: `must hold at most ${MAX_BOUNCES} reports` });

/** The body as the OpenAPI document shows it: one report, or an array of them. */
export const bounceBodySchema = z.union([report, reports]);

export interface BounceReport {
  type: BounceType;
  address: string;
  detail: string | null;
}

/** Hard bounces and complaints suppress; a soft bounce (mailbox full, greylisted) is passing and does not. */
export const suppressionReasonOf = (type: BounceType): SuppressionReason | null =>
  (type === 'hard' ? 'bounce' : type === 'complaint' ? 'complaint' : null);

/** Checks the body; always a list (one report becomes a list of one). Throws one ValidationError naming `[i].field`. */
export function parseBounces(input: unknown): BounceReport[] {
  // Not through the union: it would report a failed branch as one opaque issue. The shape picks the branch.
  const list = Array.isArray(input) ? parseOrThrow('bounce reports', reports, input) : [parseOrThrow('bounce report', report, input)];
  return list.map((r) => ({ type: r.type, address: r.address, detail: r.detail ?? null }));
}
