import { ValidationError, type Issue } from '../errors.js';
import type { Handler } from './define.js';

/**
 * Runs the handler's payload schema. Used both at record time and when a
 * run reads rows (direct-SQL producers bypass record), so a bad payload is
 * reported the same way wherever it is caught: one issue per field, with
 * its path, so the message says which field broke which rule.
 */
export function validatePayload<P>(handler: Handler<P>, payload: unknown): P {
  const result = handler.payload.safeParse(payload);
  if (result.success) return result.data;
  const issues: Issue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new ValidationError(`${handler.type} payload`, issues);
}
