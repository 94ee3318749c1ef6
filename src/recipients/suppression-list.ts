/**
 * The suppression list for the library, the HTTP API and the CLI: checked at
 * the edge (suppression-input.ts, bounce-input.ts), stored lower-cased
 * (store/suppressions.ts). The runner reads it before every send
 * (runner/suppression-check.ts).
 */
import type { Db } from '../store/db.js';
import {
  countSuppressions, deleteSuppression, selectSuppression, selectSuppressionsPage, upsertSuppressions,
} from '../store/suppressions.js';
import type { Suppression, SuppressionCursor, SuppressionReason } from '../types.js';
import { type BounceType, parseBounces, suppressionReasonOf } from './bounce-input.js';
import { normalAddress, parseSuppression } from './suppression-input.js';

/** What one bounce report came to: `suppressed` with the reason stored, or `ignored` (a soft bounce). */
export interface BounceOutcome {
  type: BounceType;
  address: string;
  action: 'suppressed' | 'ignored';
  reason: SuppressionReason | null;
}

export interface SuppressionList {
  /**
   * Suppresses an address (stored lower-cased; reason `manual` unless given).
   * Suppressing it again replaces reason, detail and time. Throws
   * ValidationError naming the field; returns the row as stored.
   */
  suppress(address: string, reason?: SuppressionReason, detail?: string | null): Promise<Suppression>;
  /** suppress() with its arguments as one object `{ address, reason?, detail? }`, as given (HTTP): a field it does not know is named. */
  add(input: unknown): Promise<Suppression>;
  /** true when the address was suppressed and no longer is. Case-insensitive. */
  unsuppress(address: string): Promise<boolean>;
  /** A page: newest first (the default) or by address, after the previous page's cursor. */
  listSuppressions(page?: SuppressionCursor & { limit?: number }): Promise<Suppression[]>;
  countSuppressions(): Promise<number>;
  /** Applies bounce/complaint reports (one or an array): hard bounces and complaints suppress, soft bounces do not. */
  reportBounces(input: unknown): Promise<BounceOutcome[]>;
}

const DEFAULT_PAGE = 100;

export function createSuppressionList(db: Db, databaseNow?: () => Date | undefined): SuppressionList {
  const store = async (s: { address: string; reason: SuppressionReason; detail: string | null }) => {
    await upsertSuppressions(db, [s], databaseNow?.());
    // Read back for created_at; a concurrent suppress may have replaced it since, and then that one is what is stored.
    return (await selectSuppression(db, s.address))!;
  };
  return {
    // async: a problem is a rejected promise, as from every other call here.
    suppress: async (address, reason, detail) => store(parseSuppression({ address, reason, detail })),
    add: async (input) => store(parseSuppression(input)),
    unsuppress: async (address) => (await deleteSuppression(db, normalAddress(String(address)))) === 1,
    listSuppressions: (page = { order: 'newest' }) => selectSuppressionsPage(db, { ...page, limit: page.limit ?? DEFAULT_PAGE }),
    countSuppressions: () => countSuppressions(db),
    async reportBounces(input) {
      const reports = parseBounces(input).map((r) => ({ ...r, reason: suppressionReasonOf(r.type) }));
      const suppress = reports.flatMap((r) => (r.reason ? [{ address: r.address, reason: r.reason, detail: r.detail }] : []));
      if (suppress.length > 0) await upsertSuppressions(db, suppress, databaseNow?.());
      return reports.map((r) => ({ type: r.type, address: r.address, action: r.reason ? 'suppressed' : 'ignored', reason: r.reason }));
    },
  };
}
