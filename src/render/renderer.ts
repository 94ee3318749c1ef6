import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DigestError } from '../errors.js';
import { compile, hbs, runtimeOptions, type CompiledTemplate } from './handlebars.js';

export interface RenderedMessage {
  subject?: string;
  text?: string;
  html?: string;
}

export interface Renderer {
  has(template: string): boolean;
  render(template: string, data: unknown): RenderedMessage;
  templates(): string[];
}

type Part = keyof RenderedMessage;
const PART_FILE = /^(.+)\.(subject|text|html)\.hbs$/;

/**
 * Reads every `<name>.<part>.hbs` in `dir` once, at start. Templates are
 * parsed here so a syntax error stops the process at boot (where ops see
 * it) rather than failing deliveries hours later at the first tick.
 */
export function loadTemplates(dir: string): Renderer {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (cause) {
    throw new DigestError('TEMPLATES', `cannot read templates directory ${dir}`, { cause });
  }
  const compiled = new Map<string, Partial<Record<Part, CompiledTemplate>>>();
  for (const file of files.sort()) {
    const match = PART_FILE.exec(file);
    if (!match) continue;
    const [, name, part] = match as unknown as [string, string, Part];
    const source = readFileSync(join(dir, file), 'utf8');
    try {
      hbs.parse(source);
    } catch (cause) {
      throw new DigestError('TEMPLATE_INVALID', `template ${file}: ${(cause as Error).message}`, { cause });
    }
    const parts = compiled.get(name) ?? {};
    // Only HTML is escaped: subjects and text bodies are not markup.
    parts[part] = compile(source, { escape: part === 'html' });
    compiled.set(name, parts);
  }

  return {
    has: (template) => compiled.has(template),
    templates: () => [...compiled.keys()],
    render(template, data) {
      const parts = compiled.get(template);
      if (!parts) throw new DigestError('TEMPLATE_MISSING', `no template named "${template}" in ${dir}`);
      const message: RenderedMessage = {};
      for (const part of ['subject', 'text', 'html'] as const) {
        const fn = parts[part];
        if (fn) message[part] = renderPart(template, part, fn, data);
      }
      return message;
    },
  };
}

function renderPart(template: string, part: Part, fn: CompiledTemplate, data: unknown): string {
  let out: string;
  try {
    out = fn(data, runtimeOptions);
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
