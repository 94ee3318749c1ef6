/**
 * A suppression as given (library, `POST /v1/suppressions`, `POST
 * /v1/bounces`, `digest suppression add`) checked once, at the edge. Pure.
 * Addresses are compared lower-cased: mailbox providers treat them
 * case-insensitively, so `Ann@Shop.example` and `ann@shop.example` are one
 * address to suppress.
 */
import { z } from 'zod';
import { ValidationError, type Issue } from '../errors.js';
import { SUPPRESSION_REASONS, type SuppressionReason } from '../types.js';

/** The column is varchar(320): the longest address RFC 5321 allows (64 + 1 + 255). */
export const MAX_ADDRESS = 320;
/** `detail` is free text from an operator or a bounce report; kept short enough to show. */
export const MAX_DETAIL = 2000;

/** The form every lookup and every stored row uses. */
export const normalAddress = (address: string): string => address.trim().toLowerCase();

export const addressSchema = z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  // abort: one problem per address, not "empty" and "not an address" both.
  .min(1, { error: 'must not be empty', abort: true })
  .max(MAX_ADDRESS, { error: `must be at most ${MAX_ADDRESS} characters`, abort: true })
  .refine((v) => /^[^\s@]+@[^\s@]+$/.test(v), { error: (iss) => `${JSON.stringify(iss.input)} is not an email address (local@domain)` })
  .transform(normalAddress);

export const reasonSchema = z.enum(SUPPRESSION_REASONS, { error: `must be one of ${SUPPRESSION_REASONS.join(', ')}` });

export const detailSchema = z.string({ error: 'must be a string' }).max(MAX_DETAIL, { error: `must be at most ${MAX_DETAIL} characters` });

export const suppressionInputSchema = z.strictObject({
  address: addressSchema,
  reason: reasonSchema.optional(),
  detail: detailSchema.nullish(),
}, { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object' : undefined) });

/** What a caller gives to suppress an address; reason defaults to `manual`. */
export interface SuppressionInput {
  address: string;
  reason?: SuppressionReason;
  detail?: string | null;
}

/** `[2].address`: zod's path as our issue path; an unrecognised key becomes its own path. */
export function toIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): Issue[] {
  const pathOf = (path: readonly PropertyKey[]) => path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), prefix);
  return issues.flatMap((i) => (i.code === 'unrecognized_keys'
    ? i.keys.map((k) => ({ path: pathOf([...i.path, k]), message: 'is not a known field' }))
    : [{ path: pathOf(i.path), message: i.message }]));
}

/** Parses with `schema`, or throws one ValidationError naming every field at fault. */
export function parseOrThrow<T>(what: string, schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(what, toIssues(parsed.error.issues));
  return parsed.data;
}

/** Checks a suppression; returns it as stored (address lower-cased, reason `manual` when not given). */
export function parseSuppression(input: unknown): { address: string; reason: SuppressionReason; detail: string | null } {
  const s = parseOrThrow('suppression', suppressionInputSchema, input);
  return { address: s.address, reason: s.reason ?? 'manual', detail: s.detail ?? null };
}
