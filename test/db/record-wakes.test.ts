/**
 * Events recorded by the scheduler's own process — over its HTTP API or
 * through record()/recordMany() of an embedder — wake the immediate loop at
 * once: with the poll interval at 60 s, they are still delivered in well
 * under a second. (Events from other processes keep arriving by polling.)
 */
import { beforeEach, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.js';
import { createScheduler } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { ticketClosed, ticketConfig, ticketTemplates } from '../support/ticket-type.js';
import { nextEvent } from '../support/events.js';
import { waitFor } from '../support/wait.js';

const POLL_MS = 60_000;
const TOKEN = 'wake-token-0123456789';

const config = ticketConfig();

/** The system clock, telling whether the immediate loop is in its idle sleep (the only sleep of POLL_MS): it has nothing left to claim. */
function watchedClock() {
  const loop = { idle: false };
  const clock: Clock = {
    now: systemClock.now,
    sleep: async (ms, signal) => {
      if (ms !== POLL_MS) return systemClock.sleep(ms, signal);
      loop.idle = true;
      await systemClock.sleep(ms, signal);
      loop.idle = false;
    },
  };
  return { clock, loop };
}

describeEngines('recording in the scheduler process wakes its immediate loop', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('delivers events POSTed to its own API, and recorded by its embedder, without waiting for the poll', async () => {
    const sent: OutgoingMessage[] = [];
    const { clock, loop } = watchedClock();
    const s = await createScheduler({
      db: engine.db, config, handlers: [ticketClosed], templatesDir: ticketTemplates(), logger: silentLogger,
      transports: { out: { name: 'out', send: async (m: OutgoingMessage) => void sent.push(m) } },
      http: { port: 0, token: TOKEN }, pollMs: POLL_MS, clock,
    });
    const { url } = await s.start();
    const post = (body: unknown) => fetch(`${url}/v1/events`, {
      method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
    // Each record comes while the loop sleeps its 60 s: only a wake delivers it in time.
    const whileIdle = async (record: () => Promise<unknown>, expectText: string[]) => {
      await waitFor(() => loop.idle);
      const delivered = nextEvent(s.lifecycle, 'delivery.sent', () => true, 5_000);
      const started = Date.now();
      await record();
      await delivered;
      expect(Date.now() - started).toBeLessThan(5_000);
      await waitFor(() => sent.length >= expectText.length);
      expect(sent.map((m) => m.text)).toEqual(expectText);
    };
    try {
      await whileIdle(async () => expect((await post({ type: 'Ticket.Closed', payload: { ticket: 1, requester: 'ann@help.example' } })).status).toBe(201),
        ['Ticket 1 closed']);
      await whileIdle(async () => expect((await post([{ type: 'Ticket.Closed', payload: { ticket: 2, requester: 'bo@help.example' } }])).status).toBe(201),
        ['Ticket 1 closed', 'Ticket 2 closed']);
      await whileIdle(() => s.record('Ticket.Closed', { ticket: 3, requester: 'cy@help.example' }),
        ['Ticket 1 closed', 'Ticket 2 closed', 'Ticket 3 closed']);
      await whileIdle(() => s.recordMany([{ type: 'Ticket.Closed', payload: { ticket: 4, requester: 'di@help.example' } }]),
        ['Ticket 1 closed', 'Ticket 2 closed', 'Ticket 3 closed', 'Ticket 4 closed']);
    } finally {
      expect(await s.stop()).toBe(true);
    }
  });
});
