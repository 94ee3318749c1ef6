/**
 * The scheduler as a library: an app runs it in its own process with its own
 * handlers (createScheduler), with the CLI's shutdown semantics.
 */
import { beforeEach, expect, it } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { ConfigError, createScheduler } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { ticketClosed, ticketConfig, ticketTemplates } from '../support/ticket-type.js';
import { nextEvent } from '../support/events.js';
import { waitFor } from '../support/wait.js';

const config = ticketConfig();

/** A transport that takes `ms` per send and records what it finished. */
const slow = (ms: number) => {
  const sent: OutgoingMessage[] = [];
  return { sent, transport: { name: 'out', send: async (m: OutgoingMessage) => { await new Promise((r) => setTimeout(r, ms)); sent.push(m); } } };
};

describeEngines('createScheduler (embedding)', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const base = () => ({ db: engine.db, config, handlers: [ticketClosed], templatesDir: ticketTemplates(), logger: silentLogger, pollMs: 10 });

  it('delivers what its own record() records, serves HTTP when asked, and stops cleanly', async () => {
    const out = slow(0);
    const s = await createScheduler({ ...base(), transports: { out: out.transport }, http: { port: 0 } });
    const { url } = await s.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const sent = nextEvent(s.lifecycle, 'delivery.sent');
    await s.record('Ticket.Closed', { ticket: 7, requester: 'ann@help.example' });
    await sent;
    expect(out.sent[0]!.text).toBe('Ticket 7 closed');
    expect(await engine.db.all('SELECT id FROM digest_workers')).toHaveLength(1);
    expect(await s.stop()).toBe(true);
    await s.done;
    expect(await engine.db.all('SELECT id FROM digest_workers')).toHaveLength(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(s.start()).rejects.toThrow(/stopped/);
  });

  it('stop() lets an in-flight send finish within the grace period, and reports a grace period that ran out', async () => {
    const patient = slow(400);
    const a = await createScheduler({ ...base(), transports: { out: patient.transport }, shutdownGraceMs: 5_000 });
    await a.start();
    await a.record('Ticket.Closed', { ticket: 1, requester: 'bo@help.example' });
    await waitFor(async () => (await engine.db.all("SELECT id FROM digest_deliveries WHERE status = 'sending'")).length === 1);
    expect(await a.stop()).toBe(true);
    expect(patient.sent.map((m) => m.text)).toEqual(['Ticket 1 closed']);

    const hasty = slow(1_500);
    const b = await createScheduler({ ...base(), transports: { out: hasty.transport }, shutdownGraceMs: 100 });
    await b.start();
    await b.record('Ticket.Closed', { ticket: 2, requester: 'cy@help.example' });
    await waitFor(async () => (await engine.db.all("SELECT id FROM digest_deliveries WHERE status = 'sending'")).length === 1);
    expect(await b.stop()).toBe(false);
    expect(hasty.sent).toHaveLength(0);
  });

  it('refuses to start on a bad setup, listing every problem', async () => {
    const err = await createScheduler({ ...base(), handlers: [], config: parseSchedules(
      'transports:\n  out: { kind: console }\nevents:\n  Ticket.Closed: { cadence: immediate, transport: out }\n  Ticket.Opened: { cadence: every 1h, transport: out }\n', {},
    ) }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['events.Ticket.Closed', 'events.Ticket.Opened']);
  });
});
