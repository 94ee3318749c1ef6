/**
 * The dashboard's client code. Plain JS, served as /dashboard/app.js (the
 * page's CSP allows scripts from this origin only, no inline ones).
 *
 * Every value from the API goes in as text (textContent, text nodes,
 * attributes), never as HTML; a message's HTML is shown only in an iframe
 * with an empty sandbox (no scripts, no same origin) and a CSP of its own
 * that allows no network. The token lives in sessionStorage and travels only
 * in the Authorization header.
 *
 * Endpoints a server may not have yet (/v1/activity, /v1/recipients/:key/activity)
 * are optional: a 404 hides their panel.
 */
import { DELIVERY_STATUSES } from '../../types.js';
import { CHARTS_SCRIPT } from './charts-script.js';
import { timeFormat } from './time-format.js';

const MAIN = String.raw`
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('digest-token') || '';
let zones = {};
let typeNames = [];
let activityWindow = '1h';
let view = '';

async function api(method, path, optional) {
  const res = await fetch(path, { method, headers: token ? { authorization: 'Bearer ' + token } : {} });
  if (res.status === 401) { showLogin('Token required or wrong.'); throw new Error('unauthorized'); }
  if (optional && res.status === 404) return null;
  const body = (res.headers.get('content-type') || '').includes('json') ? await res.json() : null;
  if (!res.ok) throw new Error((body && (body.message || body.error)) || res.statusText);
  return body;
}
function showLogin(msg) { $('app').hidden = true; $('nav').hidden = true; $('login').hidden = false; $('login-error').textContent = msg || ''; }
function say(msg, isError) { $('message').textContent = msg; $('message').className = isError ? 'error' : 'muted'; }

function el(tag, props, children) {
  const e = document.createElement(tag);
  if (props) for (const k in props) { if (k === 'text') e.textContent = props[k]; else if (k in e && k !== 'list') e[k] = props[k]; else e.setAttribute(k, props[k]); }
  if (children) e.append(...children.filter((c) => c != null));
  return e;
}
const link = (href, text) => el('a', { href, text: text == null ? '-' : String(text) });
const deliveryLink = (id) => link('#/deliveries/' + id, id);
const recipientLink = (key) => link('#/recipients/' + encodeURIComponent(key), key);
const typeLink = (type) => link('#/deliveries?type=' + encodeURIComponent(type), type);
const runsHref = (type) => '#/schedules/' + encodeURIComponent(type) + '/runs';
const runLink = (id, text) => link('#/runs/' + id, text == null ? id : text);

/** A <time> that says "4 min ago"; the exact time (UTC and the zone) in its tooltip and accessible label. */
function timeEl(iso, zone) {
  if (!iso) return document.createTextNode('-');
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return document.createTextNode(iso);
  const t = el('time', { dateTime: new Date(at).toISOString(), title: T.exactBoth(at, zone) });
  t.dataset.at = String(at);
  renderTime(t);
  return t;
}
function renderTime(t) {
  const rel = T.relative(Number(t.dataset.at), Date.now());
  t.textContent = rel;
  t.setAttribute('aria-label', rel + ', ' + t.title);
}
function refreshTimes() { for (const t of document.querySelectorAll('time[data-at]')) renderTime(t); }

function cell(row, value, cls) {
  const td = row.insertCell();
  if (value instanceof Node) td.append(value); else td.textContent = value == null ? '-' : String(value);
  if (cls) td.className = cls;
  return td;
}
function fill(table, rows, render) { const body = (typeof table === 'string' ? $(table) : table).tBodies[0]; body.replaceChildren(); for (const r of rows) render(body.insertRow(), r); }

/** A modal question; resolves true only for the confirm button (Escape and Cancel say no). */
function confirmAction(text, okLabel) {
  const d = $('confirm');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel || 'Confirm';
  d.returnValue = '';
  return new Promise((resolve) => {
    d.onclose = () => resolve(d.returnValue === 'ok');
    d.showModal();
    $('confirm-cancel').focus();
  });
}
async function runNow(type) {
  if (!(await confirmAction('Run ' + type + ' now? Every outstanding event of it is claimed and sent.', 'Run now'))) return;
  try {
    const r = await api('POST', '/v1/schedules/' + encodeURIComponent(type) + '/run');
    const s = r.summary || {};
    say('Ran ' + type + ': ' + (s.deliveriesCreated || 0) + ' deliveries, ' + (s.deliveriesSent || 0) + ' sent, ' + (s.deliveriesFailed || 0) + ' failed');
  } catch (err) { say(err.message, true); }
  await route();
}
async function retry(id) {
  if (!(await confirmAction('Retry delivery ' + id + '? It is queued again with a fresh set of attempts.', 'Retry'))) return;
  try { await api('POST', '/v1/deliveries/' + id + '/retry'); say('Re-queued delivery ' + id); }
  catch (err) { say(err.message, true); }
  await route();
}
async function replay(id) {
  if (!(await confirmAction('Replay delivery ' + id + '? The message is sent again exactly as it was (same address, content and Message-ID); its state does not change.', 'Replay'))) return;
  try { await api('POST', '/v1/deliveries/' + id + '/replay'); say('Replayed delivery ' + id); }
  catch (err) { say(err.message, true); }
  await route();
}
const age = (seconds) => seconds == null ? '-' : T.duration(seconds * 1000);

// ---- overview -------------------------------------------------------------
async function loadSchedules() {
  const s = await api('GET', '/v1/schedules');
  zones = {}; typeNames = [];
  for (const t of s.types) { zones[t.type] = t.timezone; typeNames.push(t.type); }
  return s;
}
async function overview() {
  const [schedules, problems, recent, suppressions] = await Promise.all([
    loadSchedules(),
    Promise.all(['failed', 'dead'].map((s) => api('GET', '/v1/deliveries?status=' + s + '&limit=50'))),
    api('GET', '/v1/deliveries?limit=20'),
    api('GET', '/v1/suppressions?limit=20'),
    activity(),
  ]);
  fill('types', schedules.types, (row, t) => {
    row.dataset.type = t.type;
    cell(row, typeLink(t.type)); cell(row, t.cadence);
    cell(row, t.outstanding, 'num outstanding'); cell(row, age(t.oldestAgeSeconds), 'oldest');
    cell(row, t.lastRun ? el('span', null, [runLink(t.lastRun.id, t.lastRun.trigger + ' ' + t.lastRun.status), ' ', timeEl(t.lastRun.startedAt, t.timezone)]) : null);
    cell(row, /^\d{4}-/.test(t.nextRun) ? timeEl(t.nextRun, t.timezone) : t.nextRun, 'next');
    cell(row, t.deliveries.sent, 'num'); cell(row, t.deliveries.failed, 'num'); cell(row, t.deliveries.dead, 'num'); cell(row, t.deliveries.suppressed, 'num suppressed'); cell(row, t.deliveries.cancelled, 'num cancelled');
    cell(row, t.deliveries.ready + t.deliveries.leased ? t.deliveries.ready + ' / ' + t.deliveries.leased : null, 'num pull');
    cell(row, el('button', { type: 'button', text: 'Run now', 'aria-label': 'Run ' + t.type + ' now', onclick: () => runNow(t.type) }));
  });
  // Types not in the schedules file: nothing processes them, so they are shown, not hidden.
  for (const t of schedules.unknownTypes || []) {
    const row = $('types').tBodies[0].insertRow();
    row.dataset.type = t.type; row.className = 'unknown';
    cell(row, t.type); cell(row, 'unknown type');
    cell(row, t.outstanding, 'num outstanding'); cell(row, age(t.oldestAgeSeconds));
    for (let i = 0; i < 9; i++) cell(row, null);
  }
  fill('problems', problems.flatMap((p) => p.items), (row, d) => {
    row.dataset.delivery = d.id;
    cell(row, deliveryLink(d.id)); cell(row, typeLink(d.eventType)); cell(row, recipientLink(d.recipient)); cell(row, d.status, 'status'); cell(row, d.attempts, 'num'); cell(row, d.error, 'error');
    cell(row, el('button', { type: 'button', text: 'Retry', 'aria-label': 'Retry delivery ' + d.id, onclick: () => retry(d.id) }));
  });
  // The newest 20; the whole list is GET /v1/suppressions or 'digest suppression list'.
  $('suppressed-count').textContent = '(' + suppressions.total + ')';
  fill('suppressions', suppressions.items, (row, s) => {
    row.dataset.address = s.address;
    cell(row, s.address); cell(row, s.reason); cell(row, timeEl(s.createdAt)); cell(row, s.detail);
  });
  fill('recent', recent.items, (row, d) => {
    row.dataset.delivery = d.id;
    cell(row, deliveryLink(d.id)); cell(row, typeLink(d.eventType)); cell(row, recipientLink(d.recipient)); cell(row, d.status, 'status'); cell(row, timeEl(d.sentAt, zones[d.eventType]));
  });
}

/** The charts panel; hidden when the server has no /v1/activity. */
async function activity() {
  const a = await api('GET', '/v1/activity?window=' + activityWindow, true);
  $('activity').hidden = !a;
  if (!a) return;
  const now = Date.parse(a.now) || Date.now();
  const windowMs = activityWindow === '24h' ? 86400000 : 3600000;
  const from = now - windowMs;
  $('activity-window-label').textContent = '(last ' + T.duration(windowMs) + ', per ' + T.duration(a.bucketMs) + ')';
  for (const b of document.querySelectorAll('#activity [data-window]')) b.setAttribute('aria-pressed', String(b.dataset.window === activityWindow));
  const pts = (rows, key) => rows.map((r) => ({ x: Date.parse(r.at), y: Number(r[key]) || 0 }));
  $('chart-throughput').replaceChildren(lineChart({
    name: 'throughput', label: 'Deliveries per ' + T.duration(a.bucketMs) + ', last ' + T.duration(windowMs), from, to: now,
    series: [
      { name: 'sent', color: '#1a7f37', points: pts(a.series, 'sent') },
      { name: 'failed', color: '#b35900', points: pts(a.series, 'failed') },
      { name: 'dead', color: '#c62828', points: pts(a.series, 'dead') },
    ],
  }));
  const cards = [];
  for (const type of Object.keys(a.types || {}).sort()) {
    const rows = a.types[type];
    const last = rows[rows.length - 1];
    const fig = el('figure', { className: 'type-chart' }, [el('figcaption', null, [typeLink(type)])]);
    fig.dataset.type = type;
    fig.append(lineChart({ name: 'outstanding', label: type + ' outstanding events', from, to: now,
      series: [{ name: 'outstanding', color: '#0b53a0', points: pts(rows, 'outstanding'), summary: last ? String(last.outstanding) + ' now' : '0' }] }));
    fig.append(lineChart({ name: 'oldest', label: type + ' age of the oldest outstanding event', from, to: now, formatY: (v) => T.duration(v),
      series: [{ name: 'oldest age', color: '#6f42c1', points: pts(rows, 'oldestAgeMs'), summary: last && last.oldestAgeMs != null ? T.duration(last.oldestAgeMs) + ' now' : '-' }] }));
    cards.push(fig);
  }
  $('chart-types').replaceChildren(...cards);
}

// ---- deliveries -----------------------------------------------------------
const FILTERS = ['type', 'status', 'recipient', 'from', 'to', 'q'];
let listCursor = null, listQuery = '';
function localToIso(v) { return v ? new Date(v + (v.length === 16 ? ':00' : '') + 'Z').toISOString() : ''; }
function isoToLocal(v) { const t = Date.parse(v); return Number.isNaN(t) ? '' : new Date(t).toISOString().slice(0, 19); }
async function deliveries(params) {
  if (!typeNames.length) await loadSchedules();
  const typeSel = $('f-type');
  if (typeSel.options.length !== typeNames.length + 1) typeSel.replaceChildren(el('option', { value: '', text: 'any' }), ...typeNames.map((t) => el('option', { value: t, text: t })));
  for (const f of FILTERS) {
    const input = $('f-' + f); const v = params.get(f) || '';
    input.value = f === 'from' || f === 'to' ? isoToLocal(v) : v;
  }
  const q = new URLSearchParams();
  for (const f of FILTERS) if (params.get(f)) q.set(f, params.get(f));
  q.set('limit', '50');
  listQuery = q.toString(); listCursor = null;
  $('deliveries-list').tBodies[0].replaceChildren();
  await moreDeliveries();
}
async function moreDeliveries() {
  const page = await api('GET', '/v1/deliveries?' + listQuery + (listCursor ? '&cursor=' + listCursor : ''));
  const body = $('deliveries-list').tBodies[0];
  for (const d of page.items) {
    const row = body.insertRow(); row.dataset.delivery = d.id;
    cell(row, deliveryLink(d.id)); cell(row, typeLink(d.eventType)); cell(row, recipientLink(d.recipient)); cell(row, d.status, 'status'); cell(row, d.attempts, 'num');
    cell(row, timeEl(d.createdAt, zones[d.eventType])); cell(row, timeEl(d.sentAt, zones[d.eventType])); cell(row, d.messageId, 'message-id');
  }
  listCursor = page.nextCursor;
  $('deliveries-more').hidden = !listCursor;
  $('deliveries-count').textContent = body.rows.length + (listCursor ? '+' : '') + ' shown';
}

// ---- one delivery ---------------------------------------------------------
/** The message's HTML as a document of its own: no scripts (empty sandbox), no network (its CSP). */
function messageFrame(html, label, className) {
  const f = el('iframe', { className: className || 'message', title: label });
  f.setAttribute('sandbox', '');
  f.srcdoc = '<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">' + html;
  return f;
}
async function delivery(id) {
  const d = await api('GET', '/v1/deliveries/' + id);
  const zone = zones[d.eventType];
  $('delivery-title').textContent = 'Delivery ' + d.id + ': ' + (d.subject || '(no subject)');
  const meta = [['Type', typeLink(d.eventType)], ['Recipient', recipientLink(d.recipient)], ['Address', d.address], ['Status', d.status], ['Attempts', d.attempts],
    ['Transport', d.transport], ['Created', timeEl(d.createdAt, zone)], ['Sent', timeEl(d.sentAt, zone)], ['Next attempt', timeEl(d.nextAttemptAt, zone)], ['Error', d.error], ['Run', runLink(d.runId)]];
  $('delivery-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', null, [v instanceof Node ? v : document.createTextNode(v == null ? '-' : String(v))])]));
  const headers = Object.assign({}, d.headers || {});
  if (d.messageId && !headers['Message-ID']) headers['Message-ID'] = d.messageId;
  if (d.listUnsubscribe && !headers['List-Unsubscribe']) headers['List-Unsubscribe'] = d.listUnsubscribe;
  fill('delivery-headers', Object.entries(headers), (row, [k, v]) => { row.dataset.header = k; const th = el('th', { scope: 'row', text: k }); row.append(th); cell(row, v); });
  $('delivery-html').replaceChildren(d.html ? messageFrame(d.html, 'HTML part of delivery ' + d.id) : el('p', { className: 'muted', text: 'No HTML part.' }));
  $('delivery-text').textContent = d.text || '';
  $('delivery-events').replaceChildren(...d.events.map((e) => el('li', null, [
    el('span', { text: 'Event ' + e.id + ', ' }), timeEl(e.occurredAt, zone), el('pre', { text: JSON.stringify(e.payload, null, 2) }),
  ])));
  const b = $('delivery-retry');
  b.hidden = !(d.status === 'failed' || d.status === 'dead');
  b.onclick = () => retry(d.id);
  // Replay takes sent ones only; where it refuses one (a pull transport's, a suppressed address) the answer says why.
  const r = $('delivery-replay');
  r.hidden = d.status !== 'sent';
  r.onclick = () => replay(d.id);
}

// ---- one recipient --------------------------------------------------------
let recipientKey = '', recipientZone = null, outstandingCursor = null;
/** The stored profile as read by people; null: none stored, every type's defaults apply. */
function profileView(p) {
  if (!p) return el('p', { className: 'muted', text: 'No profile stored: every type uses its defaults (its time zone, no quiet hours, its cadence).' });
  const prefs = Object.entries(p.preferences || {});
  const meta = [['Time zone', p.timeZone || 'each type\'s own'], ['Locale', p.locale || 'default'],
    ['Quiet hours', p.quietHours ? p.quietHours.start + ' to ' + p.quietHours.end + ' (local)' : 'none'],
    ['Preferences', prefs.length ? el('ul', { className: 'prefs' }, prefs.map(([type, x]) => el('li', { text: type + ': ' + x.frequency + (x.at ? ' at ' + x.at : '') + (x.day ? ' on ' + x.day : '') }))) : 'none (every type\'s defaults)'],
    ['Updated', timeEl(p.updatedAt, p.timeZone || undefined)]];
  return el('dl', { className: 'meta' }, meta.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', null, [v instanceof Node ? v : document.createTextNode(String(v))])]));
}
async function recipient(key) {
  if (!typeNames.length) await loadSchedules();
  $('recipient-title').textContent = 'Recipient ' + key;
  recipientKey = key; outstandingCursor = null;
  const k = encodeURIComponent(key);
  // One call answers the page; a server without it still shows the profile and deliveries.
  const act = await api('GET', '/v1/recipients/' + k + '/activity?limit=100', true);
  const [profile, list] = act ? [act.profile, act.deliveries] : await Promise.all([
    api('GET', '/v1/recipients/' + k, true), api('GET', '/v1/deliveries?limit=100&recipient=' + k),
  ]);
  recipientZone = profile && profile.timeZone;
  $('recipient-profile').replaceChildren(profileView(profile));
  $('recipient-outstanding').hidden = !act;
  $('recipient-outstanding-list').replaceChildren();
  if (act) showOutstanding(act.outstanding);
  fill('recipient-deliveries', list.items, (row, d) => {
    row.dataset.delivery = d.id;
    cell(row, deliveryLink(d.id)); cell(row, typeLink(d.eventType)); cell(row, d.status, 'status'); cell(row, timeEl(d.createdAt, zones[d.eventType])); cell(row, timeEl(d.sentAt, zones[d.eventType]));
  });
}
function showOutstanding(o) {
  $('recipient-outstanding-count').textContent = '(' + o.count + ')';
  $('recipient-outstanding-list').append(...o.items.map((e) => {
    const li = el('li', null, [el('span', { text: 'Event ' + e.id + ', ' }), typeLink(e.type), document.createTextNode(', '),
      timeEl(e.occurredAt, recipientZone || zones[e.type]), el('pre', { text: JSON.stringify(e.payload, null, 2) })]);
    li.dataset.event = e.id; li.dataset.type = e.type;
    return li;
  }));
  if (!o.count) $('recipient-outstanding-list').append(el('li', { className: 'muted', text: 'None: nothing is waiting for a digest.' }));
  outstandingCursor = o.nextCursor;
  $('recipient-outstanding-more').hidden = !outstandingCursor;
}
async function moreOutstanding() {
  const act = await api('GET', '/v1/recipients/' + encodeURIComponent(recipientKey) + '/activity?limit=100&outstandingCursor=' + outstandingCursor);
  showOutstanding(act.outstanding);
}

// ---- schedules ------------------------------------------------------------
async function schedules() {
  const s = await loadSchedules();
  fill('schedule-list', s.types, (row, t) => {
    row.dataset.type = t.type;
    cell(row, el('span', null, [typeLink(t.type), el('br'), el('span', { className: 'links' }, [
      link(runsHref(t.type), 'Runs'), ' · ', link('#/deliveries?type=' + encodeURIComponent(t.type), 'Deliveries')])]));
    cell(row, t.cadence + ' (' + t.timezone + ')');
    const next = el('ul', { className: 'next' }, t.next.slice(0, 3).map((n) => el('li', null, [timeEl(n, t.timezone)])));
    cell(row, t.next.length ? next : t.nextRun);
    cell(row, t.outstanding + (t.held ? ' (' + t.held + ' held)' : '') + (t.oldestAgeSeconds != null ? ', oldest ' + age(t.oldestAgeSeconds) : ''), 'outstanding');
    cell(row, t.lastRun ? el('span', null, [t.lastRun.trigger + ' run ' + t.lastRun.status + ', ', t.lastRun.id != null ? runLink(t.lastRun.id, 'run ' + t.lastRun.id) : null, t.lastRun.id != null ? ' ' : null, timeEl(t.lastRun.startedAt, t.timezone),
      ': ' + t.lastRun.deliveriesSent + ' sent, ' + t.lastRun.deliveriesFailed + ' failed']) : 'never', 'last-run');
    cell(row, el('span', null, [
      el('button', { type: 'button', text: 'Run now', 'aria-label': 'Run ' + t.type + ' now', onclick: () => runNow(t.type) }), ' ',
      el('button', { type: 'button', text: 'Preview', className: 'preview', 'aria-label': 'Preview what a run of ' + t.type + ' would send', onclick: () => preview(t.type) }),
    ]));
  });
}
async function preview(type) {
  const p = await api('GET', '/v1/schedules/' + encodeURIComponent(type) + '/preview');
  $('preview').hidden = false;
  $('preview-title').textContent = 'Dry run of ' + type + ': ' + p.messages.length + ' message' + (p.messages.length === 1 ? '' : 's') + ' (nothing claimed or sent)';
  $('preview-body').replaceChildren(...p.messages.map((m) => el('article', { className: 'preview-message' }, [
    el('h4', { text: (m.to || m.recipient) + ': ' + (m.subject || '(no subject)') }),
    el('p', { className: 'muted', text: m.events.length + ' events' + (m.suppressed ? '; not sent: ' + m.suppressed : '') + (m.error ? '; error: ' + m.error : '') }),
    m.html ? messageFrame(m.html, 'Preview for ' + m.recipient, 'message preview') : null,
    m.text ? el('pre', { text: m.text }) : null,
  ])));
  $('preview-title').scrollIntoView();
}

// ---- runs -----------------------------------------------------------------
const runDuration = (r) => r.durationMs == null ? (r.finishedAt ? '-' : 'running') : T.duration(r.durationMs);
async function runs(type) {
  if (!typeNames.length) await loadSchedules();
  $('runs-title').textContent = 'Runs of ' + type;
  $('runs-deliveries').href = '#/deliveries?type=' + encodeURIComponent(type);
  const r = await api('GET', '/v1/schedules/' + encodeURIComponent(type) + '/runs?limit=50');
  fill('runs-list', r.items, (row, x) => {
    row.dataset.run = x.id;
    cell(row, runLink(x.id)); cell(row, x.trigger); cell(row, x.status, 'status'); cell(row, timeEl(x.startedAt, zones[type]));
    cell(row, runDuration(x), 'duration');
    cell(row, x.eventsClaimed, 'num claimed'); cell(row, x.deliveriesCreated, 'num created'); cell(row, x.deliveriesSent, 'num sent'); cell(row, x.deliveriesFailed, 'num failed');
    cell(row, x.error, 'error');
  });
  if (!r.items.length) say('No runs of ' + type + ' kept (finished runs are pruned after the retention period).');
}
let runId = null, runCursor = null;
async function runView(id) {
  if (!typeNames.length) await loadSchedules();
  runId = id; runCursor = null;
  $('run-deliveries').tBodies[0].replaceChildren();
  await moreRunDeliveries(true);
}
async function moreRunDeliveries(first) {
  const page = await api('GET', '/v1/runs/' + encodeURIComponent(runId) + '/deliveries?limit=50' + (runCursor != null ? '&after=' + encodeURIComponent(runCursor) : ''));
  const r = page.run, zone = zones[r.eventType];
  if (first) {
    $('run-title').textContent = 'Run ' + r.id + ' of ' + r.eventType;
    const meta = [['Type', link(runsHref(r.eventType), r.eventType)], ['Trigger', r.trigger], ['Status', r.status], ['Slot', timeEl(r.slotAt, zone)],
      ['Started', timeEl(r.startedAt, zone)], ['Finished', timeEl(r.finishedAt, zone)], ['Duration', runDuration(r)],
      ['Events claimed', r.eventsClaimed], ['Deliveries created', r.deliveriesCreated], ['Sent', r.deliveriesSent], ['Failed', r.deliveriesFailed], ['Error', r.error]];
    $('run-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', null, [v instanceof Node ? v : document.createTextNode(v == null ? '-' : String(v))])]));
  }
  const body = $('run-deliveries').tBodies[0];
  for (const d of page.items) {
    const row = body.insertRow(); row.dataset.delivery = d.id;
    cell(row, deliveryLink(d.id)); cell(row, recipientLink(d.recipient)); cell(row, d.status, 'status'); cell(row, d.attempts, 'num');
    cell(row, timeEl(d.sentAt, zone)); cell(row, d.error, 'error');
  }
  runCursor = page.nextCursor;
  $('run-more').hidden = runCursor == null;
  $('run-count').textContent = body.rows.length + (runCursor != null ? '+' : '') + ' shown';
}

// ---- routing --------------------------------------------------------------
function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, query] = h.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '') };
}
async function route() {
  const { parts, params } = parseHash();
  let name = 'overview', run = overview;
  if (parts[0] === 'deliveries' && parts[1]) { name = 'delivery'; run = () => delivery(parts[1]); }
  else if (parts[0] === 'deliveries') { name = 'deliveries'; run = () => deliveries(params); }
  else if (parts[0] === 'recipients' && parts[1]) { name = 'recipient'; run = () => recipient(parts[1]); }
  else if (parts[0] === 'schedules' && parts[1] && parts[2] === 'runs') { name = 'runs'; run = () => runs(parts[1]); }
  else if (parts[0] === 'schedules') { name = 'schedules'; run = schedules; }
  else if (parts[0] === 'runs' && parts[1]) { name = 'run'; run = () => runView(parts[1]); }
  const changed = name !== view;
  view = name;
  for (const s of document.querySelectorAll('#app > [data-view]')) s.hidden = s.dataset.view !== name;
  for (const a of document.querySelectorAll('#nav a')) { if (a.dataset.view === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current'); }
  if (changed && name !== 'overview') $('preview').hidden = true;
  await run();
}
async function start() {
  try {
    await route();
    $('login').hidden = true; $('app').hidden = false; $('nav').hidden = false;
  } catch (err) { if (err.message !== 'unauthorized') say(err.message, true); }
}

document.addEventListener('DOMContentLoaded', () => {
  const statusSel = $('f-status');
  for (const s of STATUSES) statusSel.append(el('option', { value: s, text: s }));
  $('login').onsubmit = (e) => { e.preventDefault(); token = $('token').value; sessionStorage.setItem('digest-token', token); start(); };
  $('recipient-lookup').onsubmit = (e) => {
    e.preventDefault();
    const target = '#/recipients/' + encodeURIComponent($('recipient-key').value);
    if (location.hash === target) route().catch((err) => say(err.message, true)); else location.hash = target;
  };
  $('filters').onsubmit = (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const f of FILTERS) { const v = $('f-' + f).value.trim(); if (v) q.set(f, f === 'from' || f === 'to' ? localToIso(v) : v); }
    location.hash = '#/deliveries' + (q.toString() ? '?' + q : '');
  };
  $('f-clear').onclick = () => { location.hash = '#/deliveries'; };
  $('deliveries-more').onclick = () => moreDeliveries().catch((err) => say(err.message, true));
  $('recipient-outstanding-more').onclick = () => moreOutstanding().catch((err) => say(err.message, true));
  $('run-more').onclick = () => moreRunDeliveries(false).catch((err) => say(err.message, true));
  for (const b of document.querySelectorAll('#activity [data-window]')) b.onclick = () => { activityWindow = b.dataset.window; activity().catch((err) => say(err.message, true)); };
  window.addEventListener('hashchange', () => { say(''); route().then(() => $('main').focus({ preventScroll: true }), (err) => say(err.message, true)); });
  start();
  // Only the overview refreshes its data on its own (a live page); elsewhere a
  // refresh would move the reader's place. Relative times tick everywhere.
  setInterval(() => {
    if ($('app').hidden) return;
    refreshTimes();
    // A re-drawn table would drop the keyboard focus of a button in it: while
    // the focus is in a table (or the dialog is open), only the charts refresh.
    const busy = $('confirm').open || (document.activeElement && document.activeElement.closest('table'));
    if (view === 'overview') (busy ? activity() : overview()).catch(() => {});
  }, 5000);
});
`;

/** The whole client script: the shared time formatting, the charts, the app. */
export const APP_SCRIPT = [
  "'use strict';",
  `const T = (${timeFormat.toString()})();`,
  `const STATUSES = ${JSON.stringify(DELIVERY_STATUSES)};`,
  CHARTS_SCRIPT,
  MAIN,
].join('\n');
