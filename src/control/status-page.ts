// The read-only status page at / of the metrics listener: one self-contained HTML document (no
// external assets, so it works offline and behind any proxy), readable on a phone, that polls
// /status.json every second and redraws. Every value is set as text, never as markup.

export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>heartbeat</title>
<style>
  :root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --mute: #6e7781; }
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 12px; max-width: 60em; }
  h1 { font-size: 1.25em; margin: 0 0 4px; }
  h2 { font-size: 1.05em; margin: 18px 0 6px; }
  #meta { color: var(--mute); font-size: .9em; }
  #down { display: none; background: var(--bad); color: #fff; padding: 6px 10px; border-radius: 4px; margin: 8px 0; }
  body.stale #down { display: block; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #8884; vertical-align: top; }
  th { font-weight: 600; font-size: .85em; color: var(--mute); }
  .up, .active, .started, .ping { color: var(--ok); }
  .dead, .failed { color: var(--bad); font-weight: 600; }
  .init, .starting, .stopping, .none { color: var(--warn); }
  .holder { font-weight: 600; }
  .links span { display: inline-block; margin-right: 10px; white-space: nowrap; }
  #events li { font-family: ui-monospace, monospace; font-size: .8em; list-style: none; word-break: break-word; }
  #events { padding: 0; margin: 0; }
  .WARN, .ERROR, .CRIT { color: var(--bad); }
  @media (max-width: 600px) { .wide { display: none; } body { font-size: 14px; } }
</style>
</head>
<body>
<h1 id="title">heartbeat</h1>
<div id="meta">waiting for the daemon...</div>
<div id="down">The daemon does not answer: what is shown is from <span id="lastgood">earlier</span>.</div>
<h2>Resource groups</h2>
<table><thead><tr><th>group</th><th class="wide">preferred</th><th>held by</th><th>scripts here</th></tr></thead><tbody id="groups"></tbody></table>
<h2>Nodes and links</h2>
<table><thead><tr><th>node</th><th>status</th><th>last heard</th><th>links</th></tr></thead><tbody id="nodes"></tbody></table>
<h2>Last events</h2>
<ul id="events"></ul>
<script>
"use strict";
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.appendChild(c);
  return tr;
}
function ago(s) { return s < 1 ? Math.round(s * 1000) + ' ms ago' : s.toFixed(1) + ' s ago'; }
function pct(x) { return x === null ? '-' : (x * 100).toFixed(1) + ' %'; }
function ms(x) { return x === null ? '-' : Math.round(x * 1000) + ' ms'; }
function draw(v) {
  document.body.classList.remove('stale');
  document.getElementById('title').textContent = 'heartbeat on ' + v.thisNode;
  document.title = 'heartbeat ' + v.thisNode + ': ' + v.rscstatus;
  document.getElementById('meta').textContent = 'pid ' + v.pid + ', generation ' + v.generation + ', ' + v.state +
    ', resources here: ' + v.rscstatus + '; updated ' + new Date(v.at).toLocaleTimeString();
  document.getElementById('lastgood').textContent = new Date(v.at).toLocaleTimeString();
  const groups = document.getElementById('groups');
  groups.replaceChildren(...v.groups.map((g) => {
    const tr = row([el('td', g.resources.join(' ')), el('td', g.node, 'wide'),
      el('td', g.heldBy === null ? 'nobody' : g.heldBy, 'holder' + (g.heldBy === null ? ' none' : '')), el('td', g.state, g.state)]);
    tr.dataset.group = g.resources[0] || '';
    return tr;
  }));
  const nodes = document.getElementById('nodes');
  const rows = [row([el('td', v.thisNode + ' (this node)'), el('td', 'active', 'active'), el('td', '-'), el('td', '')])];
  for (const p of v.links) {
    const links = el('td', undefined, 'links');
    for (const l of p.links) {
      links.appendChild(el('span', l.name + ' ' + l.status + ', loss ' + pct(l.loss) + ', jitter ' + ms(l.jitter) + ', faults ' + l.faults, l.status));
    }
    const status = p.type === 'ping' ? (p.status === 'ping' ? 'reachable' : 'unreachable') : p.status;
    const tr = row([el('td', p.name + (p.type === 'ping' ? ' (ping node)' : '')), el('td', status, p.status), el('td', ago(p.lastHeardAgo)), links]);
    tr.dataset.node = p.name;
    rows.push(tr);
  }
  nodes.replaceChildren(...rows);
  const events = document.getElementById('events');
  const list = v.events.slice().reverse().map((e) => el('li', new Date(e.at).toLocaleTimeString() + ' ' + e.level + ': ' + e.message, e.level));
  if (!v.recorder) list.push(el('li', '(the flight recorder is off: HA_RECORDER=off)'));
  events.replaceChildren(...list);
}
async function poll() {
  try {
    const r = await fetch('status.json', { cache: 'no-store' });
    if (!r.ok) throw new Error(String(r.status));
    draw(await r.json());
  } catch (e) {
    document.body.classList.add('stale');
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
`;
