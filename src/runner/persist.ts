import { systemClock } from '../clock.js';
import { isConnectionError } from '../store/errors.js';

/**
 * Runs a write that records what already happened (a claim was made, a
 * message was handed to the transport), retrying while the database is
 * unreachable instead of dropping it. Dropping it would strand claimed
 * deliveries until their lease expires, leave runs `running`, or — after a
 * send — make the lease expire and the message go out twice. The writes are
 * fenced by the lease token, so a late one changes nothing if another worker
 * has taken over meanwhile. Bounded (default 10 min) so a lasting outage
 * still surfaces as an error.
 */
export async function persist<T>(write: () => Promise<T>, maxMs = 10 * 60_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    try {
      return await write();
    } catch (err) {
      if (!isConnectionError(err) || Date.now() + wait > deadline) throw err;
      await systemClock.sleep(wait);
    }
  }
}
