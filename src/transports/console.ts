import type { OutgoingMessage, Transport } from './transport.js';

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
    async send(message: OutgoingMessage) {
      const body = message.text ?? message.subject;
      if (body === undefined) return;
      write(`${body}\n`);
    },
  };
}
