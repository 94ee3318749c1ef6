import { allFailed, allSent } from './batch-results.js';
import type { OutgoingMessage, Transport } from './transport.js';

/** A delivery's line: its text body, else its subject; nothing when it has neither. */
const lineOf = (message: OutgoingMessage): string => {
  const body = message.text ?? message.subject;
  return body === undefined ? '' : `${body}\n`;
};

/**
 * Prints each delivery's text body (the receipt line ops expect to see) on
 * stdout, followed by a newline; the subject when there is no text body.
 * Nothing else goes to stdout: logs go to stderr, so stdout stays a clean
 * stream of messages that scripts can read.
 */
export function consoleTransport(
  name: string,
  write: (line: string) => unknown = (line) => process.stdout.write(line),
): Transport {
  return {
    name,
    // A write to stdout: nothing to wait for, so a whole page at once.
    concurrency: 256,
    // A batch is one string in memory: a page's worth is small.
    batchSize: 1000,
    async send(message: OutgoingMessage) {
      const line = lineOf(message);
      if (line) write(line);
    },
    // One write for the batch instead of one per delivery: at queue speed
    // the per-call cost of the stream, not the bytes, is what adds up.
    async sendBatch(messages) {
      const text = messages.map(lineOf).join('');
      try {
        if (text) write(text);
      } catch (err) {
        return allFailed(messages.length, err);
      }
      return allSent(messages.length);
    },
  };
}
