import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a schedules file into a fresh temp dir; returns its path (for --config). */
export function writeSchedules(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'digest-config-')), 'schedules.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** Order receipts, printed by the console transport. */
export const receiptsToConsole =
  'transports:\n  console: { kind: console }\nevents:\n  Order.Created: { cadence: immediate, transport: console }\n';

/** Order receipts, sent to an SMTP server. */
export const receiptsBySmtp = (url: string, batchSize: number) =>
  `transports:\n  mail: { kind: smtp, url: "${url}", from: "Shop <no-reply@shop.example>" }\n`
  + `events:\n  Order.Created: { cadence: immediate, transport: mail, batchSize: ${batchSize} }\n`;
