import { expect } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { ConfigError, type Issue } from '../../src/errors.js';

/** The issues of the ConfigError that parsing `text` throws (fails the test if none is thrown). */
export function issuesOf(text: string, vars: Record<string, string | undefined> = {}): readonly Issue[] {
  try {
    parseSchedules(text, vars);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}
