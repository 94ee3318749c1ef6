import { SMTPServer } from 'smtp-server';

export interface Accepted {
  messageId: string;
  to: string[];
  subject: string;
  raw: string;
  at: number;
}

/**
 * A real SMTP server on 127.0.0.1 that records every message it accepts.
 * `mode` and `delayMs` may be changed while it runs: 451 (transient), 550
 * (permanent), slow answers.
 */
export async function startSmtpServer() {
  const state = { mode: 'accept' as 'accept' | '451' | '550', delayMs: 0, accepted: [] as Accepted[], attempts: 0, errors: [] as Error[] };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.attempts++;
        const raw = Buffer.concat(chunks).toString('utf8');
        const answer = () => {
          if (state.mode !== 'accept') {
            const err = Object.assign(new Error(state.mode === '451' ? 'try again later' : 'mailbox unavailable'), { responseCode: Number(state.mode) });
            return callback(err);
          }
          const header = (name: string) => new RegExp(`^${name}: *(.*)$`, 'mi').exec(raw)?.[1]?.trim() ?? '';
          state.accepted.push({
            messageId: header('Message-ID'),
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: header('Subject'),
            raw,
            at: Date.now(),
          });
          callback();
        };
        if (state.delayMs > 0) setTimeout(answer, state.delayMs);
        else answer();
      });
    },
  });
  // A client killed mid-conversation resets its socket: record it, don't crash the test process.
  server.on('error', (err) => state.errors.push(err));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    state,
    port,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
