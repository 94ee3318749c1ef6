/** The dashboard's stylesheet: system fonts, colours with at least 4.5:1 contrast on white, a visible focus ring, tables that scroll sideways on a phone. */
export const STYLES = `
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1rem; border-bottom: 1px solid #d0d0d0; }
header h1 { font-size: 1.3rem; margin: 0; }
nav { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; }
nav[hidden] { display: none; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
main { padding: 0 1rem 2rem; max-width: 90rem; }
h2 { font-size: 1.15rem; margin-top: 1.6rem; } h3 { font-size: 1rem; margin-top: 1.2rem; }
a { color: #0b53a0; }
:focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; position: relative; }
table { border-collapse: collapse; } th, td { padding: .3rem .6rem; border-bottom: 1px solid #d0d0d0; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
button { cursor: pointer; font: inherit; padding: .25rem .7rem; border: 1px solid #5a5a5a; border-radius: 4px; background: #f3f3f3; color: #1b1b1b; min-height: 2rem; }
button[aria-pressed="true"] { background: #0b53a0; color: #fff; border-color: #0b53a0; }
input, select { font: inherit; padding: .2rem .3rem; border: 1px solid #5a5a5a; border-radius: 3px; max-width: 100%; }
.error { color: #a00000; } .muted { color: #595959; }
pre { background: #f4f4f4; padding: .7rem; white-space: pre-wrap; word-break: break-word; max-width: 60rem; margin: .3rem 0; }
time { text-decoration: underline dotted #888; }
#login[hidden], #app[hidden], [data-view][hidden], section[hidden] { display: none; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
.filters label { display: flex; flex-direction: column; font-size: .9rem; }
.toggle button + button { margin-left: .3rem; }
figure { margin: .6rem 0; } figcaption { font-weight: 600; font-size: .9rem; }
.chart svg { width: 100%; max-width: 56rem; height: auto; display: block; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: .6rem 1.2rem; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; font-size: .85rem; margin: .2rem 0 0; padding: 0; list-style: none; }
.legend span.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; } dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; word-break: break-word; }
iframe.message { width: 100%; max-width: 60rem; height: 24rem; border: 1px solid #a0a0a0; background: #fff; }
ul.events { padding-left: 1.2rem; } ul.next, ul.prefs { margin: 0; padding-left: 1rem; }
iframe.preview { height: 12rem; }
dialog { max-width: min(30rem, 92vw); border: 1px solid #5a5a5a; border-radius: 6px; }
dialog::backdrop { background: rgba(0,0,0,.35); }
@media (max-width: 40rem) { main { padding: 0 .6rem 2rem; } th, td { padding: .25rem .4rem; } iframe.message { height: 18rem; } }
`;
