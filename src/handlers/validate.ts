import { ValidationError } from '../errors.js';
import type { Handler } from './define.js';

/**
 * Runs the handler's payload schema. Used both at record time and when a
 * run reads rows (direct-SQL producers bypass record), so a bad payload is
 * reported the same way wherever it is caught: one issue per field, its path
 * from the event (`payload.post.author_email`) and the rule it broke.
 */
export function validatePayload<P>(handler: Handler<P>, payload: unknown): P {
  const result = handler.validate(payload);
  if (result.ok) return result.value;
  const issues = result.issues.map((i) => ({ path: i.path ? `payload.${i.path}` : 'payload', message: i.message }));
  throw new ValidationError(`${handler.type} event`, issues);
}
