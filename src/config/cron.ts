/**
 * Cron expressions in node-cron syntax, expanded to plain number lists so the
 * slot math in slots.ts can work on local calendar days (see there for DST).
 *
 * Supported: 5 fields (`min hour dom month dow`) or 6 with leading seconds;
 * `*`, numbers, ranges `1-5`, lists `1,15`, steps `*\/15` and `10-50/5`,
 * month names JAN-DEC, weekday names SUN-SAT (full names too), weekday 7 =
 * Sunday, `?` for a whole day field, and the @hourly/@daily/... nicknames.
 * Not supported (node-cron accepts them, we reject them): `L`, `W`, `#`, and
 * backwards ranges like `FRI-MON` — the slot math would not know them.
 * croner's parser is no substitute for node-cron's check: it accepts more
 * (`FRI#L`, `+MON`, `?` in time fields, a 7th year field, Feb 30) and
 * rejects full names like `sunday`, which node-cron and our README allow.
 */
import cron from 'node-cron';
import { WEEKDAYS } from '../types.js';

export interface CronFields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0-6, Sunday = 0 (a 7 in the expression is folded to 0). */
  daysOfWeek: number[];
  /** False when the field starts with `*` (or is `?`): Vixie cron's rule. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Upper bound of `*` (day of week: 0-6, so `*\/2` does not add a second Sunday). */
  starMax?: number;
  names?: readonly string[];
}

// Cron numbers days from Sunday (0).
const CRON_WEEKDAYS = [WEEKDAYS[6], ...WEEKDAYS.slice(0, 6)];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const FULL_NAMES = [
  ...['january', 'february', 'march', 'april', 'may', 'june', 'july'],
  ...['august', 'september', 'october', 'november', 'december'],
  ...['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'],
];

const SPECS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, starMax: 6, names: CRON_WEEKDAYS },
];

/** Same table as node-cron's, so both parsers agree on what a nickname means. */
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function value(token: string, spec: FieldSpec): number {
  let n: number;
  if (/^\d+$/.test(token)) n = Number(token);
  else {
    const lower = token.toLowerCase();
    const short = FULL_NAMES.includes(lower) ? lower.slice(0, 3) : lower;
    const index = spec.names?.indexOf(short) ?? -1;
    if (index < 0) throw new Error(`${spec.name} "${token}" is not a number${spec.names ? ' or name' : ''}`);
    n = index + spec.min; // months are 1-based, weekdays 0-based: min is the base
  }
  if (n < spec.min || n > spec.max) throw new Error(`${spec.name} ${token} is out of range ${spec.min}-${spec.max}`);
  return n;
}

/** Expands one field to a sorted, duplicate-free list; throws Error(reason). */
function expandField(text: string, spec: FieldSpec): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText, ...extra] = part.split('/');
    if (range === '' || extra.length > 0) throw new Error(`${spec.name} "${text}" is malformed`);
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : 0;
      if (step < 1) throw new Error(`${spec.name} step "${stepText}" must be a positive integer`);
    }
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [spec.min, spec.starMax ?? spec.max];
    else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw new Error(`${spec.name} range "${range}" is malformed`);
      lo = value(bounds[0] ?? '', spec);
      hi = bounds[1] === undefined ? lo : value(bounds[1], spec);
      if (stepText !== undefined && bounds[1] === undefined) {
        throw new Error(`${spec.name} step "${part}" needs a range or *`);
      }
      if (lo > hi) throw new Error(`${spec.name} range ${range} goes backwards`);
    }
    for (let v = lo; v <= hi; v += step) out.add(spec.starMax !== undefined && v === 7 ? 0 : v);
  }
  return [...out].sort((a, b) => a - b);
}

const invalid = (expr: string, reason?: string) =>
  new Error(`"${expr}" is not a valid cron expression${reason ? `: ${reason}` : ''}`);

/**
 * Our own parse only. The slot math uses it on cadences that were already
 * validated by parseCron; it does not reject never-firing dates such as
 * Feb 30 (the bounded search in slots.ts returns null for those).
 */
export function parseCronFields(expr: string): CronFields {
  const trimmed = expr.trim();
  const fields = (NICKNAMES[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
  if (fields.length === 5) fields.unshift('0'); // seconds are 0 unless given
  if (fields.length !== 6) throw invalid(expr);
  // `?` ("no specific value") is only meaningful for a whole day field.
  if (fields[3] === '?') fields[3] = '*';
  if (fields[5] === '?') fields[5] = '*';
  try {
    const [seconds, minutes, hours, daysOfMonth, months, daysOfWeek] = SPECS.map((spec, i) =>
      expandField(fields[i] ?? '', spec),
    ) as [number[], number[], number[], number[], number[], number[]];
    return {
      seconds,
      minutes,
      hours,
      daysOfMonth,
      months,
      daysOfWeek,
      dayOfMonthRestricted: !fields[3]!.startsWith('*'),
      dayOfWeekRestricted: !fields[5]!.startsWith('*'),
    };
  } catch (err) {
    throw invalid(expr, (err as Error).message);
  }
}

/**
 * Parses and validates `expr`: it must pass both our parser (which the slot
 * math relies on) and node-cron's validator (the syntax we promise ops; it
 * also rejects dates that never exist, like `0 0 30 2 *`).
 */
export function parseCron(expr: string): CronFields {
  const fields = parseCronFields(expr);
  if (!cron.validate(expr)) {
    throw invalid(expr, cron.validateDetailed(expr).errors[0]?.message);
  }
  return fields;
}

/**
 * Does the local calendar day match? `weekday` is 0-6 with Sunday = 0.
 * Vixie cron: when both day fields are restricted a day matches if EITHER
 * does (`0 0 1 * MON` = the 1st and every Monday); otherwise both must.
 */
export function matchesDay(f: CronFields, month: number, day: number, weekday: number): boolean {
  if (!f.months.includes(month)) return false;
  const dom = f.daysOfMonth.includes(day);
  const dow = f.daysOfWeek.includes(weekday);
  return f.dayOfMonthRestricted && f.dayOfWeekRestricted ? dom || dow : dom && dow;
}
