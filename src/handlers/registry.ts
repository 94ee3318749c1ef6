import { DigestError, UnknownEventTypeError } from '../errors.js';
import type { Handler } from './define.js';

/** Looks handlers up by event type. Built once at start from the explicit list. */
export interface Registry {
  get(type: string): Handler | undefined;
  /** Like `get`, but throws UnknownEventTypeError naming every known type. */
  require(type: string): Handler;
  types(): string[];
}

export function createRegistry(list: readonly Handler[]): Registry {
  const byType = new Map<string, Handler>();
  for (const handler of list) {
    // Two handlers for one type would make "which render ran?" depend on
    // list order; refuse at start instead.
    if (byType.has(handler.type)) {
      throw new DigestError('DUPLICATE_HANDLER', `two handlers are registered for event type "${handler.type}"`);
    }
    byType.set(handler.type, handler);
  }
  const types = () => [...byType.keys()].sort();
  return {
    get: (type) => byType.get(type),
    require(type) {
      const handler = byType.get(type);
      if (!handler) throw new UnknownEventTypeError(type, types());
      return handler;
    },
    types,
  };
}
