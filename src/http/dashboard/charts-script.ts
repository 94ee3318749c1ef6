/**
 * The dashboard's charts, in plain SVG built with DOM calls (no library, no
 * innerHTML). lineChart draws one or more series over a shared time axis;
 * each polyline carries data-series and data-total so a test (or a curious
 * operator in devtools) can read what was drawn.
 */
export const CHARTS_SCRIPT = String.raw`
const SVG_NS = 'http://www.w3.org/2000/svg';
function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  return e;
}
/**
 * opts: { name, label, from, to, series: [{ name, color, points: [{ x, y }] }], formatY }
 * Returns a <figure>-ready element: the svg (role img, with a title and an
 * aria-label that says the totals) followed by a legend.
 */
function lineChart(opts) {
  // A narrower drawing on a phone, so its labels stay readable once scaled to the screen.
  const W = window.innerWidth < 640 ? 360 : 600, H = 170, L = 48, R = 8, TOP = 10, B = 22;
  const fmt = opts.formatY || ((v) => String(Math.round(v)));
  let max = 0;
  for (const s of opts.series) for (const p of s.points) if (p.y > max) max = p.y;
  const span = Math.max(1, opts.to - opts.from);
  const x = (t) => L + ((t - opts.from) / span) * (W - L - R);
  const y = (v) => TOP + (1 - (max > 0 ? v / max : 0)) * (H - TOP - B);
  const summary = opts.series.map((s) => s.name + ' ' + (s.summary != null ? s.summary : fmt(s.points.reduce((a, p) => a + p.y, 0)))).join(', ');
  const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': opts.label + ': ' + summary, 'data-chart': opts.name });
  const title = svgEl('title', {}); title.textContent = opts.label + ': ' + summary; svg.append(title);
  svg.append(svgEl('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#767676' }));
  svg.append(svgEl('line', { x1: L, y1: TOP, x2: L, y2: H - B, stroke: '#767676' }));
  const text = (s, attrs) => { const t = svgEl('text', Object.assign({ 'font-size': 11, fill: '#333' }, attrs)); t.textContent = s; return t; };
  svg.append(text(fmt(max), { x: L - 4, y: TOP + 9, 'text-anchor': 'end' }));
  svg.append(text('0', { x: L - 4, y: H - B, 'text-anchor': 'end' }));
  svg.append(text(T.duration(opts.to - opts.from) + ' ago', { x: L, y: H - 6 }));
  svg.append(text('now', { x: W - R, y: H - 6, 'text-anchor': 'end' }));
  for (const s of opts.series) {
    const pts = s.points.map((p) => x(p.x).toFixed(1) + ',' + y(p.y).toFixed(1)).join(' ');
    const total = s.points.reduce((a, p) => a + p.y, 0);
    svg.append(svgEl('polyline', { points: pts, fill: 'none', stroke: s.color, 'stroke-width': 2, 'data-series': s.name, 'data-total': total, 'data-max': s.points.reduce((a, p) => Math.max(a, p.y), 0) }));
  }
  const legend = document.createElement('ul'); legend.className = 'legend'; legend.setAttribute('aria-hidden', 'true');
  for (const s of opts.series) {
    const li = document.createElement('li'); const sw = document.createElement('span'); sw.className = 'swatch'; sw.style.background = s.color;
    li.append(sw, s.name + ' ' + (s.summary != null ? s.summary : fmt(s.points.reduce((a, p) => a + p.y, 0))));
    legend.append(li);
  }
  const wrap = document.createElement('div'); wrap.append(svg, legend);
  return wrap;
}
`;
