import { describe, expect, it } from 'vitest';
import { isConnectionError, isDuplicateKey } from '../../src/store/errors.js';

const err = (props: Record<string, unknown>) => Object.assign(new Error('x'), props);

describe('isConnectionError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
    'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED'])('%s is a connection error', (code) => {
    expect(isConnectionError(err({ code }))).toBe(true);
  });

  it("MariaDB's connection-killed and shutdown errors by errno, whatever code the driver gives them", () => {
    expect(isConnectionError(err({ errno: 1927, code: undefined, sqlState: '70100' }))).toBe(true);
    expect(isConnectionError(err({ errno: 1053 }))).toBe(true);
  });

  it('statement errors are not', () => {
    expect(isConnectionError(err({ code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(false);
    expect(isConnectionError(err({ code: 'ER_PARSE_ERROR', errno: 1064 }))).toBe(false);
    expect(isConnectionError(err({ code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(false);
    expect(isConnectionError(null)).toBe(false);
    expect(isDuplicateKey(err({ code: 'ER_DUP_ENTRY' }))).toBe(true);
  });
});
