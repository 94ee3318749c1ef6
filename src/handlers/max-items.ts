/**
 * Max items: what a template shows of a long list. The cap is on the view
 * only; the delivery still takes, links and stamps every event.
 */

/** The first items of a list, and how many were left out. */
export interface LimitedItems<T> {
  /** The items to show, in the order given. */
  items: T[];
  /** How many items there were in all. */
  total: number;
  /** `total` − shown: never 1 (one more line is shown instead of "and 1 more"). */
  more: number;
}

/**
 * The first `maxItems` of `items`, plus `total` and `more`, so "and 37 more"
 * is always right. When exactly one item would be left out it is shown too
 * (up to `maxItems` + 1 items, `more` 0): "and 1 more" takes the line the
 * item itself would. Without `maxItems`, every item.
 */
export function limitItems<T>(items: readonly T[], maxItems?: number): LimitedItems<T> {
  if (maxItems !== undefined && (!Number.isInteger(maxItems) || maxItems < 1)) {
    throw new RangeError(`maxItems must be a positive integer (got ${String(maxItems)})`);
  }
  const total = items.length;
  if (maxItems === undefined || total <= maxItems + 1) return { items: [...items], total, more: 0 };
  return { items: items.slice(0, maxItems), total, more: total - maxItems };
}
