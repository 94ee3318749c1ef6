/**
 * Per-recipient language and time zone, end to end on both engines: a type
 * declared in a schedules file with a German template beside the default
 * one, run for real (claim renders, the memory transport receives) and as a
 * dry run. The profile's language and zone win; a recipient without one
 * gets the payload's, else the default template in the type's zone; the
 * profiles of a page are read in one statement.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { loadSchedules } from '../../src/config/schedules.js';
import { previewType } from '../../src/runner/preview.js';
import { loadRecipientSettings } from '../../src/runner/recipient-settings.js';
import { runType } from '../../src/runner/run.js';
import type { Executor } from '../../src/store/db.js';
import { upsertRecipient } from '../../src/store/recipients.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'digest-locale-'));
  mkdirSync(join(dir, 'mail'));
  const file = (name: string, source: string) => writeFileSync(join(dir, 'mail', name), source);
  file('note-digest.subject.hbs', '{{count}} new notes');
  file('note-digest.text.hbs', 'Hello {{recipient}}:{{#each events}}\n- {{text}}, {{date occurredAt "d LLLL yyyy HH:mm ZZ"}}{{/each}}');
  file('note-digest.de.text.hbs', 'Hallo {{recipient}}:{{#each events}}\n- {{text}}, {{date occurredAt "d. LLLL yyyy HH:mm ZZ"}}{{/each}}');
  writeFileSync(join(dir, 'schedules.yaml'), `
templates: ./mail
transports:
  mem: { kind: console }
events:
  Note.Posted:
    cadence: every 1h
    timezone: America/New_York
    transport: mem
    recipient: to
    template: note-digest
    localeField: prefs.lang
    timeZoneField: prefs.tz
    payload:
      type: object
      required: [to, text]
      properties:
        to: { type: string }
        text: { type: string }
        prefs: { type: object, properties: { lang: { type: string }, tz: { type: string } } }
`);
  return loadSchedules(join(dir, 'schedules.yaml'), {}).config!;
}

const profile = (timeZone: string | null, locale: string | null) => ({ timeZone, locale, quietHours: null, preferences: {} });

describeEngines('rendering in the recipient\'s language and time zone', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  async function setUp() {
    const app = await testApp(engine, { config: project(), handlers: [] });
    // 15 January 2026, 23:30 UTC: the 16th in Berlin, the 15th in New York.
    const occurredAt = new Date(Date.UTC(2026, 0, 15, 23, 30));
    await app.app.recipients.setRecipient('anna', { locale: 'de', timeZone: 'Europe/Berlin' });
    // A profile's English beats the payload's German.
    await app.app.recipients.setRecipient('dora', { locale: 'en' });
    for (const [to, prefs] of [['anna', undefined], ['bob', undefined], ['carl', { lang: 'de-AT', tz: 'Asia/Tokyo' }], ['dora', { lang: 'de' }]] as const) {
      await app.recorder.record('Note.Posted', { to, text: `for ${to}`, ...(prefs && { prefs }) }, { occurredAt });
    }
    return app;
  }

  const expected = {
    // Profile: German template, German month, Berlin's date and offset.
    anna: 'Hallo anna:\n- for anna, 16. Januar 2026 00:30 +01:00',
    // Nobody says: the default template, in the type's zone.
    bob: 'Hello bob:\n- for bob, 15 January 2026 18:30 -05:00',
    // No profile: the payload's de-AT falls back to the de files; its zone is Tokyo.
    carl: 'Hallo carl:\n- for carl, 16. Jänner 2026 08:30 +09:00',
    // Profile locale en (no zone): default template; the payload's language is not used.
    dora: 'Hello dora:\n- for dora, 15 January 2026 18:30 -05:00',
  };

  it('a run renders each recipient in their language and zone, with the German template where it applies', async () => {
    const { ctx, transport } = await setUp();
    const s = await runType(ctx, { type: 'Note.Posted', trigger: 'manual' });
    expect(s).toMatchObject({ deliveriesCreated: 4, deliveriesSent: 4, deliveriesFailed: 0 });
    const text = Object.fromEntries(transport.sent.map((m) => [m.recipient, m.text]));
    expect(text).toEqual(expected);
    // The subject has no German file: the default one, for everyone.
    expect(new Set(transport.sent.map((m) => m.subject))).toEqual(new Set(['1 new notes']));
  });

  it('a dry run renders the same way', async () => {
    const { ctx } = await setUp();
    const preview = await previewType(ctx, 'Note.Posted');
    expect(Object.fromEntries(preview.map((m) => [m.recipient, m.text]))).toEqual(expected);
  });

  it('a delivery retried after a failed send is rendered again in the recipient\'s language', async () => {
    const { ctx, transport } = await setUp();
    transport.failFor.add('anna');
    await runType(ctx, { type: 'Note.Posted', trigger: 'manual' });
    transport.failFor.clear();
    transport.sent.length = 0;
    // Due now: the first retry's backoff is over at once.
    const { recoverDeliveries } = await import('../../src/runner/recover.js');
    await engine.db.run("UPDATE digest_deliveries SET next_attempt_at = '2000-01-01 00:00:00.000' WHERE recipient = 'anna'");
    await recoverDeliveries(ctx);
    expect(transport.sent.map((m) => [m.recipient, m.text])).toEqual([['anna', expected.anna]]);
  });

  it('reads the profiles of a page in one statement per 1,000 recipients', async () => {
    const keys = Array.from({ length: 1500 }, (_, i) => `r${i}`);
    for (const k of ['r7', 'r1499']) await upsertRecipient(engine.db, k, profile('Asia/Tokyo', 'ja'));
    const statements: string[] = [];
    const counting: Executor = {
      dialect: engine.db.dialect,
      all: (sql, params) => (statements.push(sql), engine.db.all(sql, params)),
      run: (sql, params) => (statements.push(sql), engine.db.run(sql, params)),
    };
    const { ctx } = await testApp(engine, { config: project(), handlers: [] });
    const settingsOf = await loadRecipientSettings(ctx, counting, keys.slice(0, 1000));
    expect(statements).toHaveLength(1);
    expect(settingsOf('Note.Posted', 'r7', [])).toEqual({ timeZone: 'Asia/Tokyo', locale: 'ja' });
    expect(settingsOf('Note.Posted', 'r8', [])).toEqual({ timeZone: 'America/New_York', locale: null });
    statements.length = 0;
    const all = await loadRecipientSettings(ctx, counting, keys);
    expect(statements).toHaveLength(2);
    expect(all('Note.Posted', 'r1499', []).locale).toBe('ja');
    // Keys compare exactly.
    expect(all('Note.Posted', 'R7', []).locale).toBeNull();
  });
});
