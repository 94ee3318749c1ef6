/**
 * `digest demo`: the first thing a newcomer runs on a fresh clone. Records a
 * realistic batch of events for the shop example's three types (loaded by the
 * shipped config like any handler module; the demo only knows their names), runs each type once
 * (as `run now` would) and shows where the messages went, so the whole
 * record → group → render → deliver path is visible without any setup.
 */
import { relative, resolve } from 'node:path';
import { createApp } from '../app.js';
import type { Env } from '../config/env.js';
import { DigestError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { EventInput } from '../record.js';
import { runNow, type RunNowResult } from '../runner/run-now.js';
import { selectDeliveriesOfRun } from '../store/read-pages.js';
import { selectDeliveryEvents } from '../store/event-links.js';
import { emlFileName } from '../transports/file.js';
import { table } from './format.js';

export interface DemoOptions {
  databaseUrl?: string;
  configPath: string;
  env?: Env;
  print: (line: string) => void;
}

export interface DemoReport {
  receipts: number;
  /** Absolute paths of the supplier digest .eml files this run wrote. */
  supplierDigests: string[];
  results: RunNowResult[];
}

const SUPPLIERS = [
  { id: 'acme-tools', name: 'Acme Tools', share: 14, items: ['cordless drill', 'hex key set', 'claw hammer'] },
  { id: 'northwind-paper', name: 'Northwind Paper', share: 11, items: ['A4 copy paper (box)', 'sticky notes', 'kraft envelopes'] },
  { id: 'globex-electric', name: 'Globex Electric', share: 10, items: ['LED panel 60x60', 'extension cord 5 m', 'cable ties (100)'] },
  { id: 'initech-office', name: 'Initech Office', share: 8, items: ['stapler', 'ergonomic chair', 'desk lamp'] },
  { id: 'umbrella-cleaning', name: 'Umbrella Cleaning', share: 7, items: ['microfibre cloths', 'floor cleaner 5 l', 'nitrile gloves (M)'] },
] as const;
const CUSTOMERS = ['ann@shop.example', 'bob@shop.example', 'carla@shop.example', 'dev@shop.example'] as const;
const STATUSES = ['accepted', 'shipped', 'rejected'] as const;

/** The demo's events; ids carry `stamp` so a second demo run never repeats the first's. */
function demoEvents(stamp: number, now: number): EventInput[] {
  const orders: EventInput[] = CUSTOMERS.slice(0, 3).map((email, i) => ({
    type: 'Order.Created', payload: { email_address: email, order_id: stamp * 10 + i + 1 },
  }));
  const requests: EventInput[] = [];
  for (const s of SUPPLIERS) {
    for (let k = 0; k < s.share; k++) {
      const n = requests.length;
      requests.push({
        type: 'Purchase.Requested',
        // Spread over the last four hours, as if collected since the previous tick.
        occurredAt: new Date(now - (50 - n) * 4.5 * 60_000),
        payload: {
          request_id: `REQ-${stamp}-${String(n + 1).padStart(2, '0')}`, supplier_id: s.id,
          supplier_email: `orders@${s.id}.example`, customer_email: CUSTOMERS[n % CUSTOMERS.length],
          item: s.items[k % s.items.length], quantity: 1 + ((n * 7) % 12),
        },
      });
    }
  }
  const responses: EventInput[] = requests.slice(0, 6).map((r, i) => {
    const p = r.payload as { request_id: string; customer_email: string; supplier_id: string };
    const status = STATUSES[i % STATUSES.length]!;
    return {
      type: 'Purchase.Responded',
      payload: {
        request_id: p.request_id, customer_email: p.customer_email, status,
        supplier_name: SUPPLIERS.find((s) => s.id === p.supplier_id)!.name,
        ...(status === 'rejected' ? { message: 'Out of stock until next month.' } : {}),
      },
    };
  });
  return [...orders, ...requests, ...responses];
}

export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const app = await createApp({ env: opts.env, databaseUrl: opts.databaseUrl, config: opts.configPath, logger: silentLogger });
  try {
    // The demo's events are the shop example's (examples/shop): it needs a config that loads them.
    const missing = ['Order.Created', 'Purchase.Requested', 'Purchase.Responded'].filter((t) => !app.ctx.config.events[t] || !app.ctx.registry.get(t));
    if (missing.length) {
      throw new DigestError('DEMO', `digest demo records the shop example's events, but ${missing.join(', ')} is not configured here; run it with the shipped config/schedules.yaml`);
    }
    await app.ctx.db.migrate();
    const now = Date.now();
    await app.recorder.recordMany(demoEvents(now % 10_000_000, now));
    const results = await runNow(app.ctx);

    const summaries = results.flatMap((r) => (r.dryRun ? [] : [{ type: r.type, ...r.summary }]));
    opts.print(table(summaries.map((s) => ({
      type: s.type, events: s.eventsClaimed, deliveries: s.deliveriesCreated, sent: s.deliveriesSent, failed: s.deliveriesFailed,
    }))));

    // Only this run's deliveries: anything sent by an earlier run is not ours to list.
    const supplierDigests: string[] = [];
    const digestRun = summaries.find((s) => s.type === 'Purchase.Requested')?.runId;
    const transport = app.ctx.config.transports[app.ctx.config.events['Purchase.Requested']?.transport ?? ''];
    if (digestRun != null && transport?.kind === 'file') {
      const lines: string[] = [];
      for (const d of await selectDeliveriesOfRun(app.ctx.db, digestRun)) {
        if (d.status !== 'sent') continue;
        const file = resolve(process.cwd(), transport.dir, emlFileName(d.id));
        const requests = (await selectDeliveryEvents(app.ctx.db, d.id)).length;
        supplierDigests.push(file);
        lines.push(`${relative(process.cwd(), file)}  ->  ${d.recipient} (${requests} request${requests === 1 ? '' : 's'})`);
      }
      opts.print('');
      for (const line of lines) opts.print(line);
    }
    opts.print('');
    opts.print('Open the .eml files in ./outbox with any mail client; run `npx digest status` to see the queue.');

    const receipts = summaries.find((s) => s.type === 'Order.Created')?.deliveriesSent ?? 0;
    return { receipts, supplierDigests, results };
  } finally {
    await app.close();
  }
}
