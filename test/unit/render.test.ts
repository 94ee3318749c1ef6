import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import { orderCreated } from '../../examples/shop/order-created.js';
import { purchaseRequested } from '../../examples/shop/purchase-requested.js';
import { purchaseResponded } from '../../examples/shop/purchase-responded.js';
import { andMore, date, pluralize } from '../../src/render/helpers.js';
import { renderGroup } from '../../src/runner/render.js';
import { loadTemplates, MAX_SUBJECT_LENGTH } from '../../src/render/renderer.js';
import { mailMessage } from '../../src/transports/mail-message.js';
import nodemailer from 'nodemailer';

const realDir = fileURLToPath(new URL('../../examples/shop/templates/', import.meta.url));
const real = loadTemplates(realDir);

/** A throwaway templates dir: name → source, e.g. { 'x.text.hbs': '…' }. */
function dirWith(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'digest-tpl-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return loadTemplates(dir);
}

function renderError(fn: () => unknown): DigestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DigestError);
    return err as DigestError;
  }
  throw new Error('expected a DigestError');
}

describe('real templates', () => {
  it('renders the exact receipt line', () => {
    const group = { type: 'Order.Created', recipient: 'a@example.com', events: [{ id: 1, occurredAt: new Date(), payload: { email_address: 'a@example.com', order_id: 42 } }] };
    const out = renderGroup(orderCreated, real, group);
    expect(out.message.text).toBe('Sending receipt to a@example.com for order #42...');
    expect(out.message.subject).toBe('Your receipt for order #42');
    expect(out).toMatchObject({ to: 'a@example.com', template: 'order-receipt' });
  });

  it('lists every supplier request id in text and html', () => {
    const payloads = [1, 2, 3].map((n) => ({
      request_id: `R${n}`, supplier_id: 5, supplier_email: 's@example.com', customer_email: `c${n}@example.com`, item: `Widget <${n}>`, quantity: n,
    }));
    const group = { type: purchaseRequested.type, recipient: '5', events: payloads.map((payload, i) => ({ id: i, payload, occurredAt: new Date(Date.UTC(2025, 2, 1, 8, i)) })) };
    const out = renderGroup(purchaseRequested, real, group);
    expect(out.to).toBe('s@example.com');
    expect(out.message.subject).toBe('3 new purchase requests');
    for (const n of [1, 2, 3]) {
      expect(out.message.text).toContain(`- #R${n}: ${n} x Widget <${n}> for c${n}@example.com (2025-03-01 08:0${n - 1} UTC)`);
      expect(out.message.html).toContain(`#R${n}: ${n} &times; Widget &lt;${n}&gt;`);
    }
  });

  it('tells a customer which suppliers answered', () => {
    const payloads = [
      { request_id: 1, customer_email: 'c@example.com', supplier_name: 'Acme', status: 'accepted' as const, message: 'ok' },
      { request_id: 2, customer_email: 'c@example.com', supplier_name: 'Globex', status: 'rejected' as const },
    ];
    const group = { type: purchaseResponded.type, recipient: 'c@example.com', events: payloads.map((payload, i) => ({ id: i, payload, occurredAt: new Date(i) })) };
    const out = renderGroup(purchaseResponded, real, group);
    expect(out.message.subject).toBe('2 supplier responses from Acme and Globex');
    expect(out.message.text?.split('\n').slice(1)).toEqual(['- Acme accepted request #1: ok', '- Globex rejected request #2']);
  });

  it('knows its templates and refuses unknown names', () => {
    expect(real.templates().sort()).toEqual(['order-receipt', 'supplier-digest', 'supplier-responses']);
    expect(real.has('order-receipt')).toBe(true);
    expect(renderError(() => real.render('nope', {})).code).toBe('TEMPLATE_MISSING');
  });
});

describe('safety', () => {
  const r = dirWith({
    'm.subject.hbs': 'Hi {{name}}\n',
    'm.text.hbs': 'Hello {{name}}\n\n',
    'm.html.hbs': '<p>{{name}}</p>',
    'proto.text.hbs': '[{{constructor}}][{{__proto__}}][{{item.constructor}}][{{lookup item "toString"}}]',
    'proto-str.text.hbs': '[{{name.constructor}}]',
    'strict.text.hbs': 'Order {{order_id}}',
  });

  it('escapes html but not text or subject; trims trailing whitespace', () => {
    const out = r.render('m', { name: '<script>alert(1)</script> & co' });
    expect(out.html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>');
    expect(out.text).toBe('Hello <script>alert(1)</script> & co');
    expect(out.subject).toBe('Hi <script>alert(1)</script> & co');
  });

  it('does not reach prototypes from templates or data', () => {
    const out = r.render('proto', { item: { a: 1 } });
    expect(out.text).toBe('[][][][]');
    // Walking off a primitive is refused outright (strict mode), never rendered.
    let text = '';
    try {
      text = r.render('proto-str', { name: 'x' }).text ?? '';
    } catch (err) {
      expect(err).toMatchObject({ code: 'RENDER' });
    }
    expect(text).not.toMatch(/function|native code/);
    // A payload that *contains* template syntax is just text.
    expect(r.render('m', { name: '{{constructor}}' }).text).toBe('Hello {{constructor}}');
  });

  it('strict mode: a missing field is a RENDER error naming the template', () => {
    const err = renderError(() => r.render('strict', { orderId: 1 }));
    expect(err.code).toBe('RENDER');
    expect(err.message).toContain('strict.text');
    expect(err.message).toContain('order_id');
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('caps a long subject (a 60,000-character supplier name) with an ellipsis: every header line of the mail stays within RFC 5322', async () => {
    const responses = [{ id: 1, occurredAt: new Date(), payload: { request_id: 1, customer_email: 'c@example.com', supplier_name: 'A'.repeat(60_000), status: 'accepted' } }];
    const out = renderGroup(purchaseResponded, real, { type: 'Purchase.Responded', recipient: 'c@example.com', events: responses });
    expect(out.message.subject!.length).toBe(MAX_SUBJECT_LENGTH);
    expect(out.message.subject).toMatch(/^1 supplier response from AAAA+…$/);
    const mail = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = await mail.sendMail(mailMessage('Shop <no-reply@shop.example>', {
      deliveryId: 1, messageId: '<d.1@x>', eventType: 'Purchase.Responded', recipient: 'c@example.com', to: 'c@example.com', ...out.message,
    }));
    const headers = (info.message as Buffer).toString('utf8').split('\n\n')[0]!;
    expect(Math.max(...headers.split('\n').map((l) => l.length))).toBeLessThanOrEqual(998);
    // Never half a surrogate pair at the cut.
    const emoji = dirWith({ 'e.subject.hbs': '{{s}}' }).render('e', { s: '😀'.repeat(400) }).subject!;
    expect(emoji).toBe(`${'😀'.repeat((MAX_SUBJECT_LENGTH - 1) / 2 | 0)}…`);
    expect(dirWith({ 'e.subject.hbs': '{{s}}' }).render('e', { s: 'short' }).subject).toBe('short');
  });

  it('rejects a subject that would inject headers', () => {
    const err = renderError(() => r.render('m', { name: 'x\r\nBcc: victim@example.com' }));
    expect(err.code).toBe('RENDER');
    expect(err.message).toMatch(/subject/);
  });

  it('fails at load on a template syntax error', () => {
    expect(() => dirWith({ 'bad.text.hbs': '{{#each x}}' })).toThrow(expect.objectContaining({ code: 'TEMPLATE_INVALID' }));
  });
});

describe('helpers', () => {
  it('formats dates in UTC by default, or a given zone', () => {
    const r = dirWith({ 'd.text.hbs': '{{date at "yyyy-LL-dd HH:mm"}} / {{date at "HH:mm" zone="Europe/Berlin"}} / {{date iso "dd.LL."}}' });
    expect(r.render('d', { at: new Date(Date.UTC(2025, 6, 1, 22, 5)), iso: '2025-01-31T23:00:00Z' }).text)
      .toBe('2025-07-01 22:05 / 00:05 / 31.01.');
    expect(() => date('not a date', 'yyyy')).toThrow(/cannot format/);
  });

  it('pluralizes with the count', () => {
    const r = dirWith({ 'p.text.hbs': '{{pluralize n "request" "requests"}}' });
    expect(r.render('p', { n: 1 }).text).toBe('1 request');
    expect(r.render('p', { n: 3 }).text).toBe('3 requests');
    expect(pluralize(0, 'item')).toBe('0 items');
  });

  it('shortens long lists with "and N more"', () => {
    const r = dirWith({ 'a.text.hbs': '{{andMore list 3}}' });
    expect(r.render('a', { list: ['a', 'b', 'c', 'd', 'e'] }).text).toBe('a, b, c and 2 more');
    expect(andMore(['a', 'b', 'c'], 3)).toBe('a, b and c');
    expect(andMore(['a'], 3)).toBe('a');
    expect(andMore([], 3)).toBe('');
  });
});
