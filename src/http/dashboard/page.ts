/**
 * The dashboard's HTML shell: one page, its views switched by the URL's hash
 * (#/deliveries/12, #/recipients/key, #/schedules, #/schedules/:type/runs,
 * #/runs/12), so links can be shared and
 * the browser's back button works; the token never appears in them.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>digest</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <h1>digest</h1>
  <nav id="nav" aria-label="Views" hidden>
    <a href="#/" data-view="overview">Overview</a>
    <a href="#/deliveries" data-view="deliveries">Deliveries</a>
    <a href="#/schedules" data-view="schedules">Schedules</a>
    <form id="recipient-lookup" role="search"><label for="recipient-key">Recipient</label> <input id="recipient-key" required autocomplete="off"> <button type="submit">Look up</button></form>
  </nav>
</header>
<main id="main" tabindex="-1">
<form id="login" hidden>
  <label>API token <input id="token" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button> <span id="login-error" class="error" role="alert"></span>
</form>
<div id="app" hidden>
<p id="message" class="muted" role="status" aria-live="polite"></p>

<section data-view="overview" hidden>
  <section id="activity" hidden aria-labelledby="activity-title">
    <h2 id="activity-title">Activity <span class="muted" id="activity-window-label"></span></h2>
    <div role="group" aria-label="Time window" class="toggle">
      <button type="button" data-window="1h" aria-pressed="true">1 h</button><button type="button" data-window="24h" aria-pressed="false">24 h</button>
    </div>
    <figure><figcaption>Deliveries per bucket</figcaption><div id="chart-throughput" class="chart"></div></figure>
    <div id="chart-types" class="chart-grid"></div>
  </section>
  <h2>Event types</h2>
  <div class="scroll"><table id="types"><thead><tr>
    <th>Type</th><th>Cadence</th><th>Outstanding</th><th>Oldest</th><th>Last run</th><th>Next run</th>
    <th>Sent</th><th>Failed</th><th>Dead</th><th>Suppressed</th><th>Cancelled</th><th title="Deliveries of a pull transport waiting for a consumer / leased to one">Pull ready / leased</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody></tbody></table></div>
  <h2>Failed and dead deliveries</h2>
  <div class="scroll"><table id="problems"><thead><tr><th>Id</th><th>Type</th><th>Recipient</th><th>Status</th><th>Attempts</th><th>Error</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody></tbody></table></div>
  <h2>Recent deliveries</h2>
  <div class="scroll"><table id="recent"><thead><tr><th>Id</th><th>Type</th><th>Recipient</th><th>Status</th><th>Sent</th></tr></thead><tbody></tbody></table></div>
  <h2>Suppressed addresses <span id="suppressed-count" class="muted"></span></h2>
  <div class="scroll"><table id="suppressions"><thead><tr><th>Address</th><th>Reason</th><th>Since</th><th>Detail</th></tr></thead><tbody></tbody></table></div>
</section>

<section data-view="deliveries" hidden aria-labelledby="deliveries-title">
  <h2 id="deliveries-title">Deliveries</h2>
  <form id="filters" class="filters">
    <label>Type <select id="f-type" name="type"><option value="">any</option></select></label>
    <label>Status <select id="f-status" name="status"><option value="">any</option></select></label>
    <label>Recipient <input id="f-recipient" name="recipient" autocomplete="off"></label>
    <label>From (UTC) <input id="f-from" name="from" type="datetime-local" step="1"></label>
    <label>To (UTC) <input id="f-to" name="to" type="datetime-local" step="1"></label>
    <label>Search <input id="f-q" name="q" type="search" placeholder="recipient, Message-ID or event id" autocomplete="off"></label>
    <button type="submit">Apply</button> <button type="button" id="f-clear">Clear</button>
  </form>
  <div class="scroll"><table id="deliveries-list"><thead><tr><th>Id</th><th>Type</th><th>Recipient</th><th>Status</th><th>Attempts</th><th>Created</th><th>Sent</th><th>Message-ID</th></tr></thead><tbody></tbody></table></div>
  <p><button type="button" id="deliveries-more" hidden>Load older</button> <span id="deliveries-count" class="muted"></span></p>
</section>

<section data-view="delivery" id="delivery" hidden aria-labelledby="delivery-title">
  <h2 id="delivery-title"></h2>
  <dl id="delivery-meta" class="meta"></dl>
  <p><button type="button" id="delivery-retry" hidden>Retry</button> <button type="button" id="delivery-replay" hidden>Replay</button></p>
  <h3>Headers</h3>
  <div class="scroll"><table id="delivery-headers"><tbody></tbody></table></div>
  <h3>HTML part</h3>
  <div id="delivery-html"></div>
  <h3>Text part</h3>
  <pre id="delivery-text"></pre>
  <h3>Events</h3>
  <ul id="delivery-events" class="events"></ul>
</section>

<section data-view="recipient" id="recipient" hidden aria-labelledby="recipient-title">
  <h2 id="recipient-title"></h2>
  <h3>Profile</h3>
  <div id="recipient-profile"></div>
  <section id="recipient-outstanding" hidden aria-labelledby="recipient-outstanding-title">
    <h3 id="recipient-outstanding-title">Outstanding events <span id="recipient-outstanding-count" class="muted"></span></h3>
    <ul id="recipient-outstanding-list" class="events"></ul>
    <p><button type="button" id="recipient-outstanding-more" hidden>Load more</button></p>
  </section>
  <h3>Deliveries</h3>
  <div class="scroll"><table id="recipient-deliveries"><thead><tr><th>Id</th><th>Type</th><th>Status</th><th>Created</th><th>Sent</th></tr></thead><tbody></tbody></table></div>
</section>

<section data-view="runs" id="runs" hidden aria-labelledby="runs-title">
  <h2 id="runs-title"></h2>
  <p><a id="runs-deliveries" href="#/deliveries">All deliveries of this type</a></p>
  <div class="scroll"><table id="runs-list"><thead><tr><th>Run</th><th>Trigger</th><th>Status</th><th>Started</th><th>Duration</th><th>Claimed</th><th>Created</th><th>Sent</th><th>Failed</th><th>Error</th></tr></thead><tbody></tbody></table></div>
</section>

<section data-view="run" id="run" hidden aria-labelledby="run-title">
  <h2 id="run-title"></h2>
  <dl id="run-meta" class="meta"></dl>
  <h3>Deliveries</h3>
  <div class="scroll"><table id="run-deliveries"><thead><tr><th>Id</th><th>Recipient</th><th>Status</th><th>Attempts</th><th>Sent</th><th>Error</th></tr></thead><tbody></tbody></table></div>
  <p><button type="button" id="run-more" hidden>Load more</button> <span id="run-count" class="muted"></span></p>
</section>

<section data-view="schedules" hidden aria-labelledby="schedules-title">
  <h2 id="schedules-title">Schedules</h2>
  <div class="scroll"><table id="schedule-list"><thead><tr><th>Type</th><th>Cadence</th><th>Next fire times</th><th>Outstanding</th><th>Last run</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody></tbody></table></div>
  <section id="preview" hidden aria-labelledby="preview-title"><h3 id="preview-title"></h3><div id="preview-body"></div></section>
</section>
</div>
</main>
<dialog id="confirm" aria-labelledby="confirm-text">
  <form method="dialog"><p id="confirm-text"></p><button id="confirm-ok" value="ok">Confirm</button> <button id="confirm-cancel" value="cancel">Cancel</button></form>
</dialog>
</body>
</html>
`;
