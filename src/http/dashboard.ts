import type { FastifyInstance } from 'fastify';

/**
 * The dashboard: one static page over the JSON API, no build chain. The page
 * itself carries no data, so it is served without auth; every number on it
 * comes from the authenticated API with the token the operator types in (kept
 * in sessionStorage for the tab). All values are inserted as text nodes, never
 * as HTML: error messages and recipients can hold anything.
 */
export function registerDashboard(server: FastifyInstance): void {
  server.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>digest</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; } th, td { padding: .3rem .7rem; border-bottom: 1px solid #ddd; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  button { cursor: pointer; } .error { color: #b00; } .muted { color: #777; }
  pre { background: #f6f6f6; padding: .7rem; white-space: pre-wrap; max-width: 60rem; }
  #login[hidden], #app[hidden] { display: none; }
</style>
</head>
<body>
<h1>digest</h1>
<form id="login" hidden>
  <label>API token <input id="token" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button> <span id="login-error" class="error"></span>
</form>
<div id="app" hidden>
  <h2>Event types</h2>
  <table id="types"><thead><tr>
    <th>Type</th><th>Cadence</th><th>Outstanding</th><th>Oldest</th><th>Last run</th><th>Next run</th>
    <th>Sent</th><th>Failed</th><th>Dead</th><th>Suppressed</th><th>Cancelled</th><th title="Deliveries of a pull transport waiting for a consumer / leased to one">Pull ready / leased</th><th></th></tr></thead><tbody></tbody></table>
  <h2>Failed and dead deliveries</h2>
  <table id="problems"><thead><tr><th>Id</th><th>Type</th><th>Recipient</th><th>Status</th><th>Attempts</th><th>Error</th><th></th></tr></thead><tbody></tbody></table>
  <h2>Recent deliveries</h2>
  <table id="recent"><thead><tr><th>Id</th><th>Type</th><th>Recipient</th><th>Status</th><th>Sent at</th></tr></thead><tbody></tbody></table>
  <h2>Suppressed addresses <span id="suppressed-count" class="muted"></span></h2>
  <table id="suppressions"><thead><tr><th>Address</th><th>Reason</th><th>Since</th><th>Detail</th></tr></thead><tbody></tbody></table>
  <h2>Recipient profile</h2>
  <form id="recipient-lookup"><label>Recipient <input id="recipient-key" required></label> <button type="submit">Look up</button></form>
  <pre id="recipient-profile" hidden></pre>
  <section id="delivery" hidden><h2 id="delivery-title"></h2><p id="delivery-meta" class="muted"></p><pre id="delivery-text"></pre><h3>Events</h3><ul id="delivery-events"></ul></section>
  <p id="message" class="muted"></p>
</div>
<script>
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('digest-token') || '';
async function api(method, path) {
  const res = await fetch(path, { method, headers: token ? { authorization: 'Bearer ' + token } : {} });
  if (res.status === 401) { showLogin('Token required or wrong.'); throw new Error('unauthorized'); }
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new Error((body && (body.message || body.error)) || res.statusText);
  return body;
}
function showLogin(msg) { $('app').hidden = true; $('login').hidden = false; $('login-error').textContent = msg || ''; }
function cell(row, value, cls) { const td = row.insertCell(); td.textContent = value == null ? '-' : String(value); if (cls) td.className = cls; return td; }
function button(row, label, onClick) { const b = document.createElement('button'); b.textContent = label; b.onclick = onClick; row.insertCell().append(b); return b; }
function age(s) { if (s == null) return '-'; if (s < 60) return s + 's'; if (s < 3600) return Math.floor(s / 60) + 'm'; if (s < 86400) return Math.floor(s / 3600) + 'h'; return Math.floor(s / 86400) + 'd'; }
function fill(id, rows, render) { const body = $(id).tBodies[0]; body.replaceChildren(); for (const r of rows) render(body.insertRow(), r); }
async function refresh() {
  const [schedules, problems, recent, suppressions] = await Promise.all([
    api('GET', '/v1/schedules'),
    Promise.all(['failed', 'dead'].map((s) => api('GET', '/v1/deliveries?status=' + s + '&limit=50'))),
    api('GET', '/v1/deliveries?limit=20'),
    api('GET', '/v1/suppressions?limit=20'),
  ]);
  fill('types', schedules.types, (row, t) => {
    row.dataset.type = t.type;
    cell(row, t.type); cell(row, t.cadence);
    cell(row, t.outstanding, 'num outstanding'); cell(row, age(t.oldestAgeSeconds));
    cell(row, t.lastRun ? t.lastRun.startedAt + ' ' + t.lastRun.trigger + ' ' + t.lastRun.status : null);
    cell(row, t.nextRun);
    cell(row, t.deliveries.sent, 'num'); cell(row, t.deliveries.failed, 'num'); cell(row, t.deliveries.dead, 'num'); cell(row, t.deliveries.suppressed, 'num suppressed'); cell(row, t.deliveries.cancelled, 'num cancelled');
    cell(row, t.deliveries.ready + t.deliveries.leased ? t.deliveries.ready + ' / ' + t.deliveries.leased : null, 'num pull');
    button(row, 'Run now', async () => { await api('POST', '/v1/schedules/' + encodeURIComponent(t.type) + '/run'); $('message').textContent = 'Ran ' + t.type; await refresh(); });
  });
  // Types not in the schedules file: nothing processes them, so they are shown, not hidden.
  for (const t of schedules.unknownTypes || []) {
    const row = $('types').tBodies[0].insertRow();
    row.dataset.type = t.type; row.className = 'unknown';
    cell(row, t.type); cell(row, 'unknown type');
    cell(row, t.outstanding, 'num outstanding'); cell(row, age(t.oldestAgeSeconds));
    for (let i = 0; i < 7; i++) cell(row, null);
    row.insertCell();
  }
  fill('problems', problems.flatMap((p) => p.items), (row, d) => {
    row.dataset.delivery = d.id;
    cell(row, d.id); cell(row, d.eventType); cell(row, d.recipient); cell(row, d.status, 'status'); cell(row, d.attempts, 'num'); cell(row, d.error, 'error');
    button(row, 'Retry', async () => { await api('POST', '/v1/deliveries/' + d.id + '/retry'); $('message').textContent = 'Re-queued delivery ' + d.id; await refresh(); });
  });
  // The newest 20; the whole list is GET /v1/suppressions or 'digest suppression list'.
  $('suppressed-count').textContent = '(' + suppressions.total + ')';
  fill('suppressions', suppressions.items, (row, s) => {
    row.dataset.address = s.address;
    cell(row, s.address); cell(row, s.reason); cell(row, s.createdAt); cell(row, s.detail);
  });
  fill('recent', recent.items, (row, d) => {
    row.dataset.delivery = d.id;
    const link = document.createElement('a'); link.href = '#'; link.textContent = d.id; link.onclick = (e) => { e.preventDefault(); show(d.id); };
    row.insertCell().append(link);
    cell(row, d.eventType); cell(row, d.recipient); cell(row, d.status, 'status'); cell(row, d.sentAt);
  });
}
async function show(id) {
  const d = await api('GET', '/v1/deliveries/' + id);
  $('delivery').hidden = false;
  $('delivery-title').textContent = 'Delivery ' + d.id + ': ' + (d.subject || '(no subject)');
  $('delivery-meta').textContent = d.eventType + ' to ' + (d.address || d.recipient) + ', ' + d.status + ', Message-ID ' + (d.messageId || '-');
  $('delivery-text').textContent = d.text || '';
  $('delivery-events').replaceChildren(...d.events.map((e) => { const li = document.createElement('li'); li.textContent = '#' + e.id + ' ' + JSON.stringify(e.payload); return li; }));
}
// Read-only: profiles are set through the API, the CLI or the library.
$('recipient-lookup').onsubmit = async (e) => {
  e.preventDefault();
  const out = $('recipient-profile');
  out.hidden = false;
  try { out.textContent = JSON.stringify(await api('GET', '/v1/recipients/' + encodeURIComponent($('recipient-key').value)), null, 2); }
  catch (err) { out.textContent = err.message; }
};
async function start() {
  try { await refresh(); $('login').hidden = true; $('app').hidden = false; } catch (err) { if (err.message !== 'unauthorized') $('message').textContent = err.message; }
}
$('login').onsubmit = (e) => { e.preventDefault(); token = $('token').value; sessionStorage.setItem('digest-token', token); start(); };
start();
setInterval(() => { if (!$('app').hidden) refresh().catch(() => {}); }, 5000);
</script>
</body>
</html>
`;
