/**
 * The shop example: the three event types digest was first built for, loaded
 * by the default config/schedules.yaml (`handlers:`) exactly as a team's own
 * handler module is. A handler module exports `handlers`, an explicit list:
 * what runs is what this list says, and a type defined twice is a config
 * error at start.
 */
import { orderCreated } from './order-created.js';
import { purchaseRequested } from './purchase-requested.js';
import { purchaseResponded } from './purchase-responded.js';

export { orderCreated, purchaseRequested, purchaseResponded };
export const handlers = [orderCreated, purchaseRequested, purchaseResponded] as const;
