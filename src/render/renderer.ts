import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DigestError } from '../errors.js';
import type { RenderSettings } from '../types.js';
import { compile, hbs, runtimeOptions, type CompiledTemplate } from './handlebars.js';
import { localeChain } from './locale-chain.js';
import { type Part, templateFiles } from './template-files.js';

export interface RenderedMessage {
  subject?: string;
  text?: string;
  html?: string;
}

export interface Renderer {
  has(template: string): boolean;
  /** `settings` pick the language's files (template-files.ts) and are the `date` helper's zone and locale; absent: UTC, the default files. */
  render(template: string, data: unknown, settings?: RenderSettings): RenderedMessage;
  templates(): string[];
}

type Parts = Partial<Record<Part, CompiledTemplate>>;
const PARTS = ['subject', 'text', 'html'] as const;
/** Default files are stored under this key, next to each locale's. */
const DEFAULT = '';
/** Languages are few, but payload fields may name any: bound the resolution cache. */
const MAX_RESOLVED = 1000;

/**
 * Reads every `<name>[.<locale>].<part>.hbs` in `dir` once, at start.
 * Templates are parsed and compiled here, each language's once, so a syntax
 * error stops the process at boot (where ops see it) rather than failing
 * deliveries hours later at the first tick.
 */
export function loadTemplates(dir: string): Renderer {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (cause) {
    throw new DigestError('TEMPLATES', `cannot read templates directory ${dir}`, { cause });
  }
  // By template name, then by locale (DEFAULT for the default files).
  const compiled = new Map<string, Map<string, Parts>>();
  for (const { file, name, locale, part } of templateFiles(files.sort())) {
    const source = readFileSync(join(dir, file), 'utf8');
    try {
      hbs.parse(source);
    } catch (cause) {
      throw new DigestError('TEMPLATE_INVALID', `template ${file}: ${(cause as Error).message}`, { cause });
    }
    const languages = compiled.get(name) ?? new Map<string, Parts>();
    const parts = languages.get(locale ?? DEFAULT) ?? {};
    // Only HTML is escaped: subjects and text bodies are not markup.
    parts[part] = compile(source, { escape: part === 'html' });
    languages.set(locale ?? DEFAULT, parts);
    compiled.set(name, languages);
  }

  // Each part on its own: the most specific language that has it, else the
  // default file (a part not translated yet still goes out, in the default language).
  const resolved = new Map<string, Parts>();
  const partsFor = (template: string, languages: Map<string, Parts>, locale: string | null): Parts => {
    const key = `${template}\0${locale ?? DEFAULT}`;
    let parts = resolved.get(key);
    if (parts) return parts;
    parts = {};
    const chain = [...localeChain(locale), DEFAULT].flatMap((l) => languages.get(l) ?? []);
    for (const part of PARTS) {
      const fn = chain.find((p) => p[part])?.[part];
      if (fn) parts[part] = fn;
    }
    if (resolved.size < MAX_RESOLVED) resolved.set(key, parts);
    return parts;
  };

  return {
    // Every name has default files (a language's files count as such only beside them: template-files.ts).
    has: (template) => compiled.has(template),
    templates: () => [...compiled.keys()],
    render(template, data, settings) {
      const languages = compiled.get(template);
      if (!languages) throw new DigestError('TEMPLATE_MISSING', `no template named "${template}" in ${dir}`);
      const parts = partsFor(template, languages, settings?.locale ?? null);
      // A data frame, not the view: helpers (`date`) read it as options.data in
      // any nested block, and templates as {{@locale}} / {{@timeZone}}.
      const options = settings ? { ...runtimeOptions, data: { locale: settings.locale, timeZone: settings.timeZone } } : runtimeOptions;
      const message: RenderedMessage = {};
      for (const part of PARTS) {
        const fn = parts[part];
        if (fn) message[part] = renderPart(template, part, fn, data, options);
      }
      return message;
    },
  };
}

function renderPart(template: string, part: Part, fn: CompiledTemplate, data: unknown, options: typeof runtimeOptions): string {
  let out: string;
  try {
    out = fn(data, options);
  } catch (cause) {
    throw new DigestError('RENDER', `template ${template}.${part}: ${(cause as Error).message}`, { cause });
  }
  if (part !== 'subject') return out.trimEnd();
  // A newline in a subject would let payload text start new mail headers
  // (e.g. "\r\nBcc: …"); a subject must be one line or the delivery fails.
  const subject = out.trim();
  if (/[\r\n]/.test(subject)) {
    throw new DigestError('RENDER', `template ${template}.subject: rendered subject contains a line break`);
  }
  return capSubject(subject);
}

/**
 * Longest subject we send, in characters. RFC 5322 caps a header line at 998
 * octets, and a payload field (a 60,000-character supplier name) must not make
 * one invalid message; no mail client shows more than this anyway.
 */
export const MAX_SUBJECT_LENGTH = 250;

/** Cuts a long subject at a code point (never inside a surrogate pair), marking the cut with an ellipsis. */
export function capSubject(subject: string): string {
  if (subject.length <= MAX_SUBJECT_LENGTH) return subject;
  const chars = Array.from(subject);
  let out = '';
  for (const c of chars) {
    if (out.length + c.length > MAX_SUBJECT_LENGTH - 1) break;
    out += c;
  }
  return `${out.trimEnd()}…`;
}
