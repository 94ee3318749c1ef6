/**
 * `${VAR}` in the schedules file: the environment's values, substituted
 * after parsing (secrets never live in the file, and never change its
 * structure). An unset variable is an issue at the key that names it.
 */
import type { Issue } from '../errors.js';

export type Vars = Record<string, string | undefined>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const TOKEN = /\uE000([A-Za-z_][A-Za-z0-9_]*)\uE001/g;

/**
 * `{ url: ${SMTP_URL} }` is not valid YAML (the braces end the flow mapping),
 * yet it is the natural way to write it. So before parsing, each ${VAR} becomes
 * a token (private-use characters around the name) YAML reads as ordinary text; values are substituted after
 * parsing, so a secret's characters can never change the document's structure.
 */
export const protectVars = (text: string) => text.replace(VAR, (_, name: string) => `\uE000${name}\uE001`);

/** Replaces ${VAR} in every string value (not in keys); an unset variable is an issue at that key. */
export function interpolate(value: unknown, vars: Vars, issues: Issue[], path: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(TOKEN, (_, name: string) => {
      const v = vars[name];
      if (v === undefined) issues.push({ path: path.join('.'), message: `environment variable ${name} is not set` });
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, vars, issues, [...path, String(i)]));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars, issues, [...path, k])]));
  }
  return value;
}
