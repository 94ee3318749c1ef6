import type { AppOptions } from '../app.js';
import { loadSetup } from '../setup.js';
import { describeSchedules } from '../scheduler/fire-times.js';
import { table } from './format.js';

/** Validates config, handler modules and templates (throws ConfigError listing every problem), then shows each type's handler and upcoming fire times. */
export async function check(opts: AppOptions, now = new Date()): Promise<string> {
  const { config, registry } = await loadSetup(opts);
  const rows = describeSchedules(config, now, 3).map((d) => ({
    type: d.type, handler: registry.source(d.type) ?? '', cadence: d.cadence, timezone: d.timezone,
    'next fire times': d.next.length ? d.next.join(', ') : 'continuous',
  }));
  return `config OK: ${rows.length} event type(s)\n${table(rows)}`;
}
