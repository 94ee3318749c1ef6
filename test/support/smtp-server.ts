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
 * (permanent), slow answers. `stop()` takes it off the network (new
 * connections are refused, open ones get 421 and are closed) and `start()`
 * brings it back on the same port: an outage and a recovery.
 */
export async function startSmtpServer() {
  const state = { mode: 'accept' as 'accept' | '451' | '550', delayMs: 0, accepted: [] as Accepted[], attempts: 0, errors: [] as Error[] };
  const create = () => {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // stop(): open connections are told 421 and closed after this long.
      closeTimeout: 50,
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
    return server;
  };
  let server: SMTPServer | null = create();
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const stop = () => new Promise<void>((resolve) => {
    if (!server) return resolve();
    const s = server;
    server = null;
    s.close(() => resolve());
  });
  return {
    state,
    port,
    url: `smtp://127.0.0.1:${port}`,
    stop,
    /** Listens again on the same port (a closed SMTPServer answers 421 to everything, so it is a new one). */
    async start() {
      if (server) return;
      server = create();
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    close: stop,
  };
}
