/**
 * The progress line of long CLI work (`run now` over a backlog, `prune`,
 * `retry --dead`): one line on stderr, rewritten in place (`\r`, then erase
 * to the end of the line), at most every `intervalMs`, finished with a
 * newline. Only for a person at a terminal: with `--json`, or when stderr is
 * a pipe or a file, it writes nothing at all, so scripts and logs see the
 * command's output alone. The stream and the clock are injected (tests).
 */

/** What the line is written to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  /** Terminal width: a longer line would wrap, and `\r` then rewrites only its last row. */
  columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** `--json`: quiet. */
  json?: boolean;
  /** Milliseconds, any origin (default Date.now). */
  now?: () => number;
  /** Fewest milliseconds between two writes (default 100: ten a second). */
  intervalMs?: number;
}

export interface Progress {
  /** The state now; written if the last write is `intervalMs` old, else kept for the next write or `done`. */
  update(line: string): void;
  /** Writes the latest state and a newline, if anything was shown; nothing otherwise. Once. */
  done(): void;
}

/** Erase from the cursor to the end of the line: a shorter line leaves nothing of a longer one. */
const ERASE = '\u001b[K';

const QUIET: Progress = { update() {}, done() {} };

export function progressLine(opts: ProgressOptions): Progress {
  const { stream } = opts;
  if (opts.json || stream.isTTY !== true) return QUIET;
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 100;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let latest: string | null = null;
  let shown = false;
  let finished = false;
  const fit = (line: string) => (stream.columns && line.length >= stream.columns ? `${line.slice(0, stream.columns - 2)}…` : line);
  const write = (line: string, end = '') => {
    stream.write(`\r${fit(line)}${ERASE}${end}`);
    shown = true;
  };
  return {
    update(line) {
      if (finished) return;
      latest = line;
      const t = now();
      if (t - lastWrite < interval) return;
      lastWrite = t;
      write(line);
    },
    done() {
      if (finished) return;
      finished = true;
      if (shown && latest != null) write(latest, '\n');
    },
  };
}

/** 4000 → "4,000": the same digits grouping whatever the machine's locale. */
export const count = (n: number) => n.toLocaleString('en');
