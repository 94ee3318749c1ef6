import { z } from 'zod';

/**
 * Ids that producers in other languages send: PHP and Go apps use both
 * numeric auto-increment ids and string ids (UUIDs, "REQ-42"), so the
 * payload contract accepts either, but never an empty string or a
 * zero/negative number (those are always producer bugs).
 */
export const externalId = z.union([z.string().min(1), z.number().int().positive()]);

export type ExternalId = z.infer<typeof externalId>;
