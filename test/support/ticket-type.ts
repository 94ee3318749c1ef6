/** An event type of an embedding app's own (not the shop's): one message per closed ticket, on the console transport. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseSchedules } from '../../src/config/schedules.js';
import { defineHandler } from '../../src/handlers/define.js';

export const ticketClosed = defineHandler({
  type: 'Ticket.Closed',
  payload: z.object({ ticket: z.int().positive(), requester: z.email() }),
  recipient: (p) => p.requester,
  group: 'event',
  template: 'ticket-closed',
  render: (g) => ({ data: g.events[0]!.payload }),
});

/** A fresh templates directory with the ticket's template. */
export function ticketTemplates() {
  const dir = mkdtempSync(join(tmpdir(), 'digest-ticket-'));
  writeFileSync(join(dir, 'ticket-closed.text.hbs'), 'Ticket {{ticket}} closed');
  return dir;
}

export const ticketConfig = () =>
  parseSchedules('transports:\n  out: { kind: console }\nevents:\n  Ticket.Closed: { cadence: immediate, transport: out }\n', {});
