/** An event's state from its delivery (GET /v1/events/:id, cancel()), and what cancel() accepts as a target. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { cancelTarget } from '../../src/runner/cancel.js';
import { eventState } from '../../src/runner/event-state.js';

describe('eventState', () => {
  it('follows the delivery: outstanding, claimed, then how it ended; cancelled and suppressed though stamped', () => {
    const at = new Date();
    expect(eventState({ deliveryId: null, deliveryStatus: null, processedAt: null })).toBe('outstanding');
    expect(eventState({ deliveryId: 1, deliveryStatus: 'pending', processedAt: null })).toBe('claimed');
    expect(eventState({ deliveryId: 1, deliveryStatus: 'sending', processedAt: null })).toBe('claimed');
    expect(eventState({ deliveryId: 1, deliveryStatus: 'failed', processedAt: null })).toBe('failed');
    expect(eventState({ deliveryId: 1, deliveryStatus: 'dead', processedAt: null })).toBe('dead');
    expect(eventState({ deliveryId: 1, deliveryStatus: 'sent', processedAt: at })).toBe('sent');
    expect(eventState({ deliveryId: 1, deliveryStatus: 'suppressed', processedAt: at })).toBe('suppressed');
    expect(eventState({ deliveryId: 1, deliveryStatus: 'cancelled', processedAt: at })).toBe('cancelled');
  });
});

describe('cancelTarget', () => {
  it('takes an id, { id } or { type, idempotencyKey }', () => {
    expect(cancelTarget(7)).toEqual({ id: 7 });
    expect(cancelTarget({ id: 7 })).toEqual({ id: 7 });
    expect(cancelTarget({ type: 'A', idempotencyKey: 'k' })).toEqual({ type: 'A', idempotencyKey: 'k' });
  });

  it('names the field and the rule it breaks', () => {
    const issues = (t: unknown) => {
      try {
        cancelTarget(t as never);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).issues;
      }
      throw new Error('accepted');
    };
    expect(issues(-1)).toEqual([{ path: 'id', message: 'must be a positive integer' }]);
    expect(issues(1.5)).toEqual([{ path: 'id', message: 'must be a positive integer' }]);
    expect(issues(2 ** 53)).toEqual([{ path: 'id', message: 'must be a positive integer' }]);
    expect(issues({ type: 'A', idempotencyKey: 'x'.repeat(192) })).toEqual([{ path: 'idempotencyKey', message: 'must be 1 to 191 characters' }]);
    expect(issues({ idempotencyKey: 'k' })).toEqual([{ path: 'type', message: 'must be a non-empty string' }]);
    expect(issues(null)).toEqual([{ path: '', message: 'must be an event id or { type, idempotencyKey }' }]);
  });
});
