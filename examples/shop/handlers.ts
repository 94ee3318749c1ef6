import { orderCreated } from './order-created.js';
import { purchaseRequested } from './purchase-requested.js';
import { purchaseResponded } from './purchase-responded.js';

/**
 * The explicit list of handlers. Adding an event type means adding its file
 * and one entry here; there is no directory scanning, so what runs is what
 * this list says (and a duplicate type fails createRegistry at start).
 */
export const handlers = [orderCreated, purchaseRequested, purchaseResponded] as const;
