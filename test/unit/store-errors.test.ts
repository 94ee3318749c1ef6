import { describe, expect, it } from 'vitest';
import { isConflict, isConnectionError, isDuplicateKey, isNodeNotReady, isRetryableTransaction } from '../../src/store/errors.js';

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

describe('isConflict', () => {
  it('an InnoDB deadlock victim and a lock wait timeout, by code or by errno alone', () => {
    expect(isConflict(err({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }))).toBe(true);
    expect(isConflict(err({ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }))).toBe(true);
    expect(isConflict(err({ errno: 1213 }))).toBe(true);
    expect(isConflict(err({ errno: 1205 }))).toBe(true);
  });

  it("Galera's certification failure (1213 with a WSREP message) and a wsrep-aborted COMMIT (1180)", () => {
    expect(isConflict(Object.assign(new Error('WSREP detected deadlock/conflict and aborted the transaction. Try restarting the transaction'),
      { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }))).toBe(true);
    expect(isConflict(Object.assign(new Error('Got error 6 "No such device or address" during COMMIT (wsrep)'), { code: 'ER_ERROR_DURING_COMMIT', errno: 1180 }))).toBe(true);
  });

  it('a COMMIT error without a wsrep cause is not contention (a full disk is not retried)', () => {
    expect(isConflict(Object.assign(new Error('Got error 28 "No space left on device" during COMMIT'), { code: 'ER_ERROR_DURING_COMMIT', errno: 1180 }))).toBe(false);
  });

  it('SQLite busy is; a duplicate, a parse error, a lost connection and null are not', () => {
    expect(isConflict(err({ code: 'SQLITE_BUSY' }))).toBe(true);
    expect(isConflict(err({ code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(false);
    expect(isConflict(err({ code: 'ER_PARSE_ERROR', errno: 1064 }))).toBe(false);
    expect(isConflict(err({ code: 'PROTOCOL_CONNECTION_LOST' }))).toBe(false);
    expect(isConflict(null)).toBe(false);
    expect(isRetryableTransaction(err({ errno: 1213 }))).toBe(true);
  });
});

describe('isNodeNotReady', () => {
  const notReady = Object.assign(new Error('WSREP has not yet prepared node for application use'), { code: 'ER_UNKNOWN_COM_ERROR', errno: 1047, sqlState: '08S01' });

  it('a Galera node outside the Primary Component is a connection-like error, not a conflict', () => {
    expect(isNodeNotReady(notReady)).toBe(true);
    expect(isConnectionError(notReady)).toBe(true);
    expect(isConflict(notReady)).toBe(false);
  });

  it('1047 without a wsrep message is an ordinary statement error', () => {
    expect(isNodeNotReady(err({ code: 'ER_UNKNOWN_COM_ERROR', errno: 1047 }))).toBe(false);
    expect(isConnectionError(err({ code: 'ER_UNKNOWN_COM_ERROR', errno: 1047 }))).toBe(false);
  });

  it('every node of a multi-host URL resting after failures (POOL_NONEONLINE) is a connection error', () => {
    expect(isConnectionError(err({ code: 'POOL_NONEONLINE' }))).toBe(true);
  });
});
