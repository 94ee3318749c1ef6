/** `digest suppression …`: the reason option checked, and suppressions into text. */
import { DigestError } from '../errors.js';
import type { SuppressionList } from '../recipients/suppression-list.js';
import { SUPPRESSION_REASONS, type Suppression, type SuppressionReason } from '../types.js';
import { table } from './format.js';

/** --reason as given: the same words as the API, refused here with the list. */
export function reasonOption(text: string | undefined): SuppressionReason | undefined {
  if (text == null) return undefined;
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(text)) {
    throw new DigestError('USAGE', `--reason must be one of ${SUPPRESSION_REASONS.join(', ')}, got "${text}"`);
  }
  return text as SuppressionReason;
}

export const ORDERS = ['newest', 'address'] as const;

export function orderOption(text: string): (typeof ORDERS)[number] {
  if (!(ORDERS as readonly string[]).includes(text)) throw new DigestError('USAGE', `--order must be newest or address, got "${text}"`);
  return text as (typeof ORDERS)[number];
}

const LIST_PAGE = 500;

/** Every suppression, page by page: any number of them without one huge statement. */
export async function allSuppressions(list: Pick<SuppressionList, 'listSuppressions'>, order: (typeof ORDERS)[number]): Promise<Suppression[]> {
  const all: Suppression[] = [];
  let page: Suppression[];
  do {
    const last = all.at(-1);
    page = await list.listSuppressions(order === 'address'
      ? { order, after: last?.address, limit: LIST_PAGE }
      : { order, after: last && { createdAt: last.createdAt, address: last.address }, limit: LIST_PAGE });
    all.push(...page);
  } while (page.length === LIST_PAGE);
  return all;
}

export function formatSuppressions(list: readonly Suppression[]): string {
  if (list.length === 0) return 'no suppressed addresses';
  return table(list.map((s) => ({ address: s.address, reason: s.reason, since: s.createdAt, detail: s.detail })));
}
