/**
 * A fast path for the `date` helper's common case: a UTC time in a numeric
 * format such as "yyyy-LL-dd HH:mm". Digest templates format one date per
 * event, and luxon (a DateTime, a zone change and a format parse per call)
 * was most of the render time of a large digest. Formats are compiled once;
 * any token not listed here (month names, weekdays, offsets, …) returns null
 * and the helper uses luxon, so the output is always luxon's.
 */
type Part = string | ((d: Date) => string);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

const TOKENS: Record<string, (d: Date) => string> = {
  yyyy: (d) => pad(d.getUTCFullYear(), 4),
  LL: (d) => pad(d.getUTCMonth() + 1, 2),
  MM: (d) => pad(d.getUTCMonth() + 1, 2),
  L: (d) => String(d.getUTCMonth() + 1),
  M: (d) => String(d.getUTCMonth() + 1),
  dd: (d) => pad(d.getUTCDate(), 2),
  d: (d) => String(d.getUTCDate()),
  HH: (d) => pad(d.getUTCHours(), 2),
  H: (d) => String(d.getUTCHours()),
  mm: (d) => pad(d.getUTCMinutes(), 2),
  m: (d) => String(d.getUTCMinutes()),
  ss: (d) => pad(d.getUTCSeconds(), 2),
  s: (d) => String(d.getUTCSeconds()),
  SSS: (d) => pad(d.getUTCMilliseconds(), 3),
  // The zone's name: what luxon prints for UTC in every language.
  ZZZZ: () => 'UTC',
};

/**
 * Numeric tokens read the same in every language that writes Latin digits;
 * others (ar-EG, fa, …) have luxon write their own. Asked once per locale.
 */
const latinDigits = new Map<string, boolean>();
function writesLatinDigits(locale: string): boolean {
  let latin = latinDigits.get(locale);
  if (latin === undefined) {
    latin = new Intl.NumberFormat(locale).resolvedOptions().numberingSystem === 'latn';
    if (latinDigits.size < 1000) latinDigits.set(locale, latin);
  }
  return latin;
}

const compiled = new Map<string, Part[] | null>();

function compile(format: string): Part[] | null {
  const parts: Part[] = [];
  let seen = 0;
  // A quoted literal, a run of one letter, or one other character.
  for (const [piece] of format.matchAll(/'[^']*'|([A-Za-z])\1*|[^A-Za-z']/g)) {
    seen += piece.length;
    if (piece.startsWith("'")) {
      if (piece === "''") return null; // luxon's escaped quote: leave it to luxon
      parts.push(piece.slice(1, -1));
    } else if (/[A-Za-z]/.test(piece)) {
      const token = TOKENS[piece];
      if (!token) return null;
      parts.push(token);
    } else parts.push(piece);
  }
  // An unterminated quote matched nothing above: leave it to luxon.
  return seen === format.length ? parts : null;
}

/** `format` applied to `date` in UTC (in `locale`), or null when luxon must do it. */
export function formatUtc(date: Date, format: string, locale = 'en-US'): string | null {
  if (!writesLatinDigits(locale)) return null;
  let parts = compiled.get(format);
  if (parts === undefined) {
    parts = compile(format);
    // Formats come from templates: few, but bound the cache all the same.
    if (compiled.size < 1000) compiled.set(format, parts);
  }
  if (!parts || Number.isNaN(date.getTime()) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) return null;
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : p(date);
  return out;
}
