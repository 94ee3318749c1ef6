/**
 * The dependency direction of ARCHITECTURE.md, enforced: every relative
 * import in src/ must point down this list (or stay inside its own area).
 * Areas on one line are siblings and must not import each other — handlers,
 * render and transports never import the store, and the store never imports
 * them. A new folder or root file must be placed here before it can land.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LAYERS: string[][] = [
  ['cli', 'index'],
  ['scheduler-process'],
  ['scheduler-service', 'digest'],
  ['http'],
  ['app'],
  ['setup'],
  ['scheduler'],
  ['runner'],
  ['record', 'recipients'],
  ['urgency'],
  ['store', 'handlers', 'render', 'transports', 'unsubscribe'],
  ['config'],
  ['lifecycle-log'],
  ['clock', 'paths', 'log', 'event-time', 'record-text', 'locale'],
  ['errors'],
  ['lifecycle'],
  ['types'],
];

const SRC = join(import.meta.dirname, '../../src');
const rank = new Map(LAYERS.flatMap((areas, i) => areas.map((a) => [a, LAYERS.length - i] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** `runner/claim.ts` → `runner`; `app.ts` → `app`. */
const areaOf = (file: string) => relative(SRC, file).replace(/\.[jt]s$/, '').split('/')[0]!;

/** Relative specifiers of static imports, re-exports and dynamic import() calls. */
export function relativeImports(text: string): string[] {
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)];
  return found.map((m) => (m[1] ?? m[2])!);
}

describe('import graph of src/', () => {
  const files = sourceFiles(SRC);
  const edges = files.flatMap((from) => relativeImports(readFileSync(from, 'utf8')).map((spec) => ({
    from: relative(SRC, from), to: relative(SRC, join(dirname(from), spec).replace(/\.js$/, '.ts')), a: areaOf(from), b: areaOf(join(dirname(from), spec)),
  })));

  it('reads the imports it checks (the parser sees static, type-only and dynamic imports)', () => {
    expect(relativeImports("import type { A } from './a.js';\nexport { b } from '../b.js';\nconst m = await import('./c.js');")).toEqual(['./a.js', '../b.js', './c.js']);
    expect(edges.length).toBeGreaterThan(200);
  });

  it('places every area of src/ in a layer', () => {
    expect([...new Set(files.map(areaOf))].filter((a) => !rank.has(a))).toEqual([]);
  });

  it('has no edge against the direction cli → app → scheduler → runner → handlers/render/transports/store → config → types', () => {
    const against = edges.filter((e) => e.a !== e.b && !(rank.get(e.b)! < rank.get(e.a)!)).map((e) => `${e.from} → ${e.to}`);
    expect(against).toEqual([]);
  });

  it('keeps src/types.ts a leaf: it imports nothing of ours', () => {
    expect(edges.filter((e) => e.a === 'types')).toEqual([]);
  });
});
