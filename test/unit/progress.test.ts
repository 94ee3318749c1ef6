/**
 * The CLI's progress line (src/cli/progress.ts): on a terminal, one line
 * rewritten in place, at most every intervalMs, finished with a newline and
 * the latest state; with --json or on a pipe, not one byte.
 */
import { describe, expect, it } from 'vitest';
import { count, progressLine } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => void writes.push(s) };
}

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe('progressLine', () => {
  it('on a TTY: rewrites one line with \\r, erasing what a longer line left', () => {
    const stream = fakeStream(true);
    const c = clock();
    const p = progressLine({ stream, now: c.now });
    p.update('run now A: 1,000 events');
    c.advance(150);
    p.update('run now A: 2 events');
    expect(stream.writes).toEqual(['\rrun now A: 1,000 events\u001b[K', '\rrun now A: 2 events\u001b[K']);
    expect(stream.writes.join('')).not.toContain('\n');
  });

  it('throttles to one write per interval, keeping the latest state for the next write', () => {
    const stream = fakeStream(true);
    const c = clock();
    const p = progressLine({ stream, now: c.now, intervalMs: 100 });
    for (let i = 1; i <= 50; i++) {
      p.update(`n=${i}`);
      c.advance(10); // 50 updates over 500 ms
    }
    // The first at once, then one each 100 ms: 10 updates a second at most.
    expect(stream.writes.length).toBe(5);
    expect(stream.writes[0]).toBe('\rn=1\u001b[K');
    expect(stream.writes[1]).toBe('\rn=11\u001b[K');
    p.done();
    // done: the latest state, whatever the throttle skipped, and a newline.
    expect(stream.writes.at(-1)).toBe('\rn=50\u001b[K\n');
    p.update('late');
    p.done();
    expect(stream.writes.length).toBe(6);
  });

  it('ends with a newline after the last line; nothing at all when nothing was shown', () => {
    const shown = fakeStream(true);
    const p = progressLine({ stream: shown, now: () => 0 });
    p.update('prune: 1,000 events deleted so far…');
    p.done();
    expect(shown.writes.join('')).toBe('\rprune: 1,000 events deleted so far…\u001b[K\rprune: 1,000 events deleted so far…\u001b[K\n');
    const idle = fakeStream(true);
    progressLine({ stream: idle }).done();
    expect(idle.writes).toEqual([]);
  });

  it('cuts a line wider than the terminal (a wrapped line cannot be rewritten with \\r)', () => {
    const stream = fakeStream(true, 20);
    const p = progressLine({ stream, now: () => 0 });
    p.update('x'.repeat(50));
    expect(stream.writes[0]).toBe(`\r${'x'.repeat(18)}…\u001b[K`);
  });

  it('writes nothing when stderr is not a TTY, or in --json mode', () => {
    for (const [stream, json] of [[fakeStream(false), false], [fakeStream(true), true], [{ ...fakeStream(false), isTTY: undefined }, false]] as const) {
      const c = clock();
      const p = progressLine({ stream, json, now: c.now });
      for (let i = 0; i < 20; i++) {
        p.update(`n=${i}`);
        c.advance(500);
      }
      p.done();
      expect(stream.writes).toEqual([]);
    }
  });

  it('groups digits the same way whatever the locale', () => {
    expect(count(4000)).toBe('4,000');
    expect(count(12)).toBe('12');
  });
});
