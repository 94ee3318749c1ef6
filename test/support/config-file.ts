import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The shop example's handler module (built by `npm test`'s pretest) and
 * templates, by absolute path: a schedules file in a temp dir names them as
 * a team names its own.
 */
export const shopPrelude =
  `handlers: [${JSON.stringify(resolve('dist/examples/shop/handlers.js'))}]\ntemplates: ${JSON.stringify(resolve('examples/shop/templates'))}\n`;

/** Writes a schedules file into a fresh temp dir (with the shop handlers unless it names its own); returns its path (for --config). */
export function writeSchedules(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'digest-config-')), 'schedules.yaml');
  writeFileSync(path, /^handlers:/m.test(yaml) ? yaml : shopPrelude + yaml);
  return path;
}

/** The shipped config/schedules.yaml with its relative paths made absolute, for a copy in another directory. */
export const shippedYaml = () => readFileSync('config/schedules.yaml', 'utf8').replace(/^handlers:.*\ntemplates:.*\n/m, shopPrelude);

/** Order receipts, printed by the console transport. */
export const receiptsToConsole =
  'transports:\n  console: { kind: console }\nevents:\n  Order.Created: { cadence: immediate, transport: console }\n';

/** Order receipts, sent to an SMTP server. */
export const receiptsBySmtp = (url: string, batchSize: number) =>
  `transports:\n  mail: { kind: smtp, url: "${url}", from: "Shop <no-reply@shop.example>" }\n`
  + `events:\n  Order.Created: { cadence: immediate, transport: mail, batchSize: ${batchSize} }\n`;
