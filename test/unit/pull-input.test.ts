import { describe, expect, it } from 'vitest';
import { parseVisibility } from '../../src/http/pull-input.js';

describe('pull lease visibility', () => {
  it('reads ms, s, m, h, combinations and bare seconds', () => {
    expect(parseVisibility('30s')).toBe(30_000);
    expect(parseVisibility('1500ms')).toBe(1_500);
    expect(parseVisibility('5m')).toBe(300_000);
    expect(parseVisibility('1m30s')).toBe(90_000);
    expect(parseVisibility('12h')).toBe(43_200_000);
    expect(parseVisibility('45')).toBe(45_000);
    expect(parseVisibility(' 2 H ')).toBe(7_200_000);
  });

  it('refuses what is not a duration, and durations outside 1s..12h, with the rule', () => {
    expect(parseVisibility('soon')).toEqual(new Error('"soon" is not a duration: use e.g. 30s, 5m, 1h or 1500ms'));
    expect(parseVisibility('-5s')).toBeInstanceOf(Error);
    expect(parseVisibility('1.5s')).toBeInstanceOf(Error);
    expect(parseVisibility('')).toBeInstanceOf(Error);
    expect(parseVisibility('999ms')).toEqual(new Error('"999ms" must be between 1s and 12h'));
    expect(parseVisibility('0')).toBeInstanceOf(Error);
    expect(parseVisibility('12h1ms')).toEqual(new Error('"12h1ms" must be between 1s and 12h'));
    expect(parseVisibility('1000ms')).toBe(1_000);
  });
});
