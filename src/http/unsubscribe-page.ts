/**
 * The pages of the one-click unsubscribe links (routes/unsubscribe.ts):
 * small, self-contained HTML, no script. Every value is escaped — the event
 * type comes from a token a stranger may have crafted around a leaked secret,
 * and a page must never become markup from it.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body { font: 16px/1.5 system-ui, sans-serif; margin: 3rem auto; max-width: 32rem; padding: 0 1rem; color: #222; }</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;

/**
 * GET: asks, changes nothing. Link scanners and previews fetch every URL in
 * a message; only the button (a POST to this same URL) unsubscribes.
 */
export const confirmPage = (type: string) => page('Unsubscribe?', `<p>Stop receiving <strong>${escapeHtml(type)}</strong> messages?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`);

export const donePage = (type: string) =>
  page('Unsubscribed', `<p>You will no longer receive <strong>${escapeHtml(type)}</strong> messages.</p>`);

export const invalidPage = () =>
  page('Link not valid', '<p>This unsubscribe link is not valid. Please use the link from the most recent message you received.</p>');
