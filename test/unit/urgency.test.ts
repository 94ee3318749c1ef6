import { describe, expect, it } from 'vitest';
import { isUrgent } from '../../src/urgency.js';

describe('isUrgent (issue 16)', () => {
  it('true: every event; unset: none', () => {
    expect(isUrgent(true, {})).toBe(true);
    expect(isUrgent(undefined, { rush: true })).toBe(false);
  });
  it('a path: true, a non-zero number, a non-empty string mark an urgent event', () => {
    for (const v of [true, 1, -2, 'high']) expect(isUrgent('order.rush', { order: { rush: v } }), String(v)).toBe(true);
    for (const v of [false, 0, '', null, [], {}]) expect(isUrgent('order.rush', { order: { rush: v } }), JSON.stringify(v)).toBe(false);
    expect(isUrgent('order.rush', { order: {} })).toBe(false);
    expect(isUrgent('order.rush', 'not an object')).toBe(false);
  });
  it('reads own properties only, never a prototype\'s', () => {
    expect(isUrgent('constructor', {})).toBe(false);
    expect(isUrgent('__proto__.x', JSON.parse('{"__proto__": {"x": true}}'))).toBe(true);
    expect(isUrgent('toString', Object.create({ toString: true }))).toBe(false);
  });
});
