import { describe, expect, it } from 'vitest';
import { decodePayload, recipientProblem } from '../../src/store/event-row.js';
import { groupEvents, problemGroupKey } from '../../src/runner/group.js';

describe('decoding a stored event row never throws', () => {
  it('an object decodes; everything else carries the reason', () => {
    expect(decodePayload('{"a":1}')).toEqual({ payload: { a: 1 } });
    expect(decodePayload('{"a":')).toMatchObject({ payload: '{"a":', problem: expect.stringMatching(/^payload is not valid JSON/) });
    expect(decodePayload(null)).toEqual({ payload: null, problem: 'payload is NULL' });
    expect(decodePayload('null').problem).toBe('payload is NULL');
    expect(decodePayload('[1]').problem).toBe('payload is not a JSON object (it is an array)');
    expect(decodePayload('7').problem).toBe('payload is not a JSON object (it is number)');
    expect(decodePayload('"{\\"a\\":1}"').problem).toBe('payload is not a JSON object (it is string)');
  });

  it('a blank recipient is a problem', () => {
    expect(recipientProblem('')).toBe('recipient is empty');
    expect(recipientProblem(' \t')).toBe('recipient is empty');
    expect(recipientProblem(null)).toBe('recipient is empty');
    expect(recipientProblem('S1')).toBeUndefined();
  });

  it('a row with a problem is grouped alone; its recipient keeps its other events together', () => {
    const groups = groupEvents([
      { id: 1, recipient: 'S1' }, { id: 2, recipient: 'S1', problem: 'x' }, { id: 3, recipient: 'S1' },
    ], 'recipient');
    expect(groups.map((g) => [g.groupKey, g.events.map((e) => e.id)])).toEqual([['S1', [1, 3]], [problemGroupKey(2), [2]]]);
  });
});
