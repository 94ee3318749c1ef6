import { describe, expect, it } from 'vitest';
import { skipLockedProblem } from '../../src/store/skip-locked.js';

describe('the SKIP LOCKED verdict', () => {
  it('an engine that skipped the locked row is fit', () => {
    expect(skipLockedProblem('skipped')).toBeNull();
  });

  it('an engine that returned the locked row (no lock taken, as TiDB and Dolt) is refused, saying why', () => {
    const msg = skipLockedProblem('returned');
    expect(msg).toMatch(/^this database does not skip locked rows: a row locked FOR UPDATE by one connection was returned to another/);
    expect(msg).toMatch(/TiDB and Dolt/);
    expect(msg).toMatch(/MySQL 8 or MariaDB ≥ 10\.6$/);
  });

  it('an engine that waited for the lock instead of skipping is refused too', () => {
    expect(skipLockedProblem('waited')).toMatch(/waited for a row another connection had locked/);
  });
});
