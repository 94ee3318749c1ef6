/**
 * Rendering in the recipient's language and time zone, without a database:
 * the locale fallback chain and which files a language picks, the settings'
 * precedence (profile > payload field > type default > top-level), and the
 * `date` helper in Berlin, New York and Auckland, in German, across DST.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { DigestError } from '../../src/errors.js';
import { hbs } from '../../src/render/handlebars.js';
import { date } from '../../src/render/helpers.js';
import { localeChain } from '../../src/render/locale-chain.js';
import { loadTemplates } from '../../src/render/renderer.js';
import { templateFiles } from '../../src/render/template-files.js';
import { resolveSettings } from '../../src/runner/recipient-settings.js';
import type { StoredEvent } from '../../src/types.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'digest-locale-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('locale fallback chain', () => {
  it('goes from the most specific tag to the language; extensions never name files', () => {
    expect(localeChain('de-AT')).toEqual(['de-AT', 'de']);
    expect(localeChain('zh-Hant-TW')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh']);
    expect(localeChain('de-DE-u-co-phonebk')).toEqual(['de-DE', 'de']);
    expect(localeChain('de')).toEqual(['de']);
    expect(localeChain(null)).toEqual([]);
  });

  it('reads <name>.<locale>.<part>.hbs as a language of <name> only beside its default files', () => {
    const files = templateFiles(['m.text.hbs', 'm.de-at.text.hbs', 'm.fr.subject.hbs', 'report.old.text.hbs', 'notes.txt']);
    expect(files).toEqual([
      { file: 'm.text.hbs', name: 'm', locale: null, part: 'text' },
      { file: 'm.de-at.text.hbs', name: 'm', locale: 'de-AT', part: 'text' },
      { file: 'm.fr.subject.hbs', name: 'm', locale: 'fr', part: 'subject' },
      // No report.*.hbs: a template of its own, named as before.
      { file: 'report.old.text.hbs', name: 'report.old', locale: null, part: 'text' },
    ]);
  });

  it('picks each part from de-AT, then de, then the default files; missing languages are no error', () => {
    const r = loadTemplates(dirWith({
      'm.subject.hbs': 'Subject', 'm.text.hbs': 'default', 'm.html.hbs': '<p>default</p>',
      'm.de.text.hbs': 'deutsch', 'm.de-AT.text.hbs': 'österreichisch', 'm.fr.subject.hbs': 'Sujet',
    }));
    const text = (locale: string | null) => r.render('m', {}, { timeZone: 'UTC', locale }).text;
    expect(text('de-AT')).toBe('österreichisch');
    expect(text('de-CH')).toBe('deutsch');
    expect(text('de')).toBe('deutsch');
    expect(text('en-US')).toBe('default');
    expect(text(null)).toBe('default');
    expect(r.render('m', {}).text).toBe('default');
    // A part the language lacks falls back on its own.
    expect(r.render('m', {}, { timeZone: 'UTC', locale: 'fr' })).toEqual({ subject: 'Sujet', text: 'default', html: '<p>default</p>' });
    expect(r.render('m', {}, { timeZone: 'UTC', locale: 'de' })).toEqual({ subject: 'Subject', text: 'deutsch', html: '<p>default</p>' });
    // Languages are variants of one template, not templates of their own.
    expect(r.templates()).toEqual(['m']);
    expect(r.has('m.de')).toBe(false);
  });

  it('compiles every file once, at load, never per render', () => {
    const compile = vi.spyOn(hbs, 'compile');
    const r = loadTemplates(dirWith({ 'm.text.hbs': 'a', 'm.de.text.hbs': 'b', 'm.de-AT.text.hbs': 'c' }));
    expect(compile).toHaveBeenCalledTimes(3);
    for (const locale of ['de', 'de-AT', 'en', null, 'de', 'de-AT']) r.render('m', {}, { timeZone: 'UTC', locale });
    expect(compile).toHaveBeenCalledTimes(3);
  });
});

describe('date helper', () => {
  const at = new Date('2026-01-15T23:30:00Z');
  const render = (source: string, data: object, settings?: { timeZone: string; locale: string | null }) =>
    loadTemplates(dirWith({ 'd.text.hbs': source })).render('d', data, settings).text;

  it('formats in the recipient\'s zone: Berlin, New York and Auckland see different days and hours', () => {
    const f = '{{date at "yyyy-LL-dd HH:mm ZZ"}}';
    expect(render(f, { at }, { timeZone: 'Europe/Berlin', locale: null })).toBe('2026-01-16 00:30 +01:00');
    expect(render(f, { at }, { timeZone: 'America/New_York', locale: null })).toBe('2026-01-15 18:30 -05:00');
    expect(render(f, { at }, { timeZone: 'Pacific/Auckland', locale: null })).toBe('2026-01-16 12:30 +13:00');
    // No settings: UTC, as before.
    expect(render(f, { at })).toBe('2026-01-15 23:30 +00:00');
  });

  it('writes month and weekday names in the recipient\'s language', () => {
    const f = '{{date at "cccc, d. LLLL yyyy, HH:mm"}}';
    expect(render(f, { at }, { timeZone: 'Europe/Berlin', locale: 'de' })).toBe('Freitag, 16. Januar 2026, 00:30');
    expect(render(f, { at }, { timeZone: 'America/New_York', locale: 'de-AT' })).toBe('Donnerstag, 15. Jänner 2026, 18:30');
    expect(render(f, { at }, { timeZone: 'Europe/Berlin', locale: 'en-GB' })).toBe('Friday, 16. January 2026, 00:30');
    // No language at all: en-US, whatever the host's.
    expect(render(f, { at }, { timeZone: 'UTC', locale: null })).toBe('Thursday, 15. January 2026, 23:30');
  });

  it('has named formats: datetime (the default), date, time', () => {
    const de = { timeZone: 'Europe/Berlin', locale: 'de' };
    expect(render('{{date at}}', { at }, de)).toBe('16. Jan. 2026, 00:30');
    expect(render('{{date at "datetime"}}', { at }, de)).toBe('16. Jan. 2026, 00:30');
    expect(render('{{date at "date"}}', { at }, de)).toBe('16. Jan. 2026');
    expect(render('{{date at "time"}}', { at }, de)).toBe('00:30');
    expect(render('{{date at "date"}}', { at }, { timeZone: 'America/New_York', locale: 'en-US' })).toBe('Jan 15, 2026');
  });

  it('follows DST: the same wall-clock step is one hour or two across the switch', () => {
    const f = '{{#each times}}{{date this "HH:mm ZZ"}} {{/each}}';
    const berlin = { timeZone: 'Europe/Berlin', locale: 'de' };
    // 29 March 2026, 02:00 Berlin: clocks go to 03:00.
    expect(render(f, { times: ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z'] }, berlin)).toBe('01:30 +01:00 03:30 +02:00'); // (text bodies are trimmed at the end)
    // Auckland is on summer time in January, standard time in July.
    const auckland = { timeZone: 'Pacific/Auckland', locale: 'en-NZ' };
    expect(render(f, { times: ['2026-01-15T00:00:00Z', '2026-07-15T00:00:00Z'] }, auckland)).toBe('13:00 +13:00 12:00 +12:00');
  });

  it('keeps the recipient\'s settings inside nested blocks, and templates can read them as @timeZone / @locale', () => {
    const f = '{{#each groups}}{{#each items}}{{#with this}}{{date at "HH:mm"}}{{/with}}{{/each}}{{/each}} {{@timeZone}} {{@locale}}';
    expect(render(f, { groups: [{ items: [{ at }] }] }, { timeZone: 'Asia/Tokyo', locale: 'ja' })).toBe('08:30 Asia/Tokyo ja');
  });

  it('zone= and locale= in the template override the recipient\'s', () => {
    expect(render('{{date at "HH:mm LLLL" zone="Asia/Tokyo" locale="fr"}}', { at }, { timeZone: 'Europe/Berlin', locale: 'de' })).toBe('08:30 janvier');
  });

  it('never walks into a prototype: not through the value, not through a format name', () => {
    const err = (() => {
      try {
        render('{{date constructor}}', { at }, { timeZone: 'UTC', locale: null });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DigestError);
    // "constructor" is no named format (the presets are a Map): it is read as luxon tokens.
    expect(date(at, 'constructor', { hash: {}, data: {}, name: 'date' })).not.toMatch(/function|Object/);
    // Settings come from own properties only: an inherited timeZone is not one.
    const inherited = Object.create({ timeZone: 'Asia/Tokyo' }) as object;
    expect(date(at, 'HH:mm', { hash: {}, data: inherited, name: 'date' })).toBe('23:30');
  });

  it('throws on a value that is not a date', () => {
    expect(() => render('{{date x}}', { x: 'soon' }, { timeZone: 'Europe/Berlin', locale: 'de' })).toThrow(/cannot format/);
  });
});

describe('render settings precedence', () => {
  const config = parseSchedules(`timezone: Europe/Paris
locale: fr
transports: { c: { kind: console } }
events:
  Fielded: { cadence: immediate, transport: c, localeField: meta.lang, timeZoneField: meta.tz, locale: de, timezone: Europe/Berlin }
  Typed: { cadence: immediate, transport: c, locale: it }
  Plain: { cadence: immediate, transport: c }
`, {});
  const ev = (id: number, payload: unknown, occurredAt = new Date(Date.UTC(2026, 0, id))): StoredEvent => ({ id, recipient: 'r', payload, occurredAt });

  it('profile > payload field (newest event carrying a valid one) > type default > top-level', () => {
    const events = [ev(1, { meta: { lang: 'es', tz: 'America/Lima' } }), ev(3, { meta: { lang: 'pt-br', tz: 'America/Sao_Paulo' } }), ev(2, { meta: {} })];
    expect(resolveSettings(config, 'Fielded', { timeZone: 'Asia/Tokyo', locale: 'ja' }, events)).toEqual({ timeZone: 'Asia/Tokyo', locale: 'ja' });
    // Newest first (id 3 on Jan 3), its locale made canonical.
    expect(resolveSettings(config, 'Fielded', null, events)).toEqual({ timeZone: 'America/Sao_Paulo', locale: 'pt-BR' });
    // A profile that sets only its zone: the language comes from the payload.
    expect(resolveSettings(config, 'Fielded', { timeZone: 'Asia/Tokyo', locale: null }, events)).toEqual({ timeZone: 'Asia/Tokyo', locale: 'pt-BR' });
    expect(resolveSettings(config, 'Fielded', null, [ev(1, { other: 1 })])).toEqual({ timeZone: 'Europe/Berlin', locale: 'de' });
    expect(resolveSettings(config, 'Typed', null, events)).toEqual({ timeZone: 'Europe/Paris', locale: 'it' });
    expect(resolveSettings(config, 'Plain', null, events)).toEqual({ timeZone: 'Europe/Paris', locale: 'fr' });
  });

  it('passes over payload values that are no zone or language tag, and never reads a prototype', () => {
    const bad = [ev(2, { meta: { lang: 'not a tag!', tz: 'Mars/Base' } }), ev(1, { meta: { lang: 'nl', tz: '+03:00' } })];
    expect(resolveSettings(config, 'Fielded', null, bad)).toEqual({ timeZone: 'Europe/Berlin', locale: 'nl' });
    const proto = JSON.parse('{"__proto__": {"lang": "ru"}}') as unknown;
    expect(resolveSettings(config, 'Fielded', null, [ev(1, { meta: proto })]).locale).toBe('de');
    expect(resolveSettings(config, 'Fielded', null, [ev(1, { meta: Object.create({ lang: 'ru' }) })]).locale).toBe('de');
  });

  it('without locale anywhere: null (the default files)', () => {
    const bare = parseSchedules('transports: { c: { kind: console } }\nevents:\n  P: { cadence: immediate, transport: c }\n', {});
    expect(resolveSettings(bare, 'P', null, [ev(1, {})])).toEqual({ timeZone: 'UTC', locale: null });
  });
});
