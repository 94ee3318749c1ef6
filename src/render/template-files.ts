/**
 * Names the files of a templates directory: `<name>.<part>.hbs` is a
 * template's default part, `<name>.<locale>.<part>.hbs` (`supplier-digest.de.text.hbs`,
 * `supplier-digest.de-AT.html.hbs`) the same part in a language. A dot
 * segment counts as a locale only when it is a language tag (a 2–3 letter
 * language first) and `<name>` has default files of its own: a recipient of
 * any other language needs those, and a template named `report.old` keeps
 * working as before.
 */
import { canonicalLocale } from '../locale.js';

export type Part = 'subject' | 'text' | 'html';

export interface TemplateFile {
  file: string;
  name: string;
  /** Canonical tag (`de-AT`), or null for the default part. */
  locale: string | null;
  part: Part;
}

const PART_FILE = /^(.+)\.(subject|text|html)\.hbs$/;
const LOCALE_SEGMENT = /^(.+)\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)$/;

export function templateFiles(files: readonly string[]): TemplateFile[] {
  const parts = files.flatMap((file) => {
    const m = PART_FILE.exec(file);
    return m ? [{ file, name: m[1]!, part: m[2] as Part }] : [];
  });
  const names = new Set(parts.map((p) => p.name));
  return parts.map(({ file, name, part }) => {
    const m = LOCALE_SEGMENT.exec(name);
    const locale = m && names.has(m[1]!) ? canonicalLocale(m[2]!) : undefined;
    return locale ? { file, name: m![1]!, locale, part } : { file, name, locale: null, part };
  });
}
