/**
 * The map page's own style, markup and script, inlined into every page by `mapToHtml`
 * beside cytoscape.js and the map's data. The script reads the data from the page
 * (`<script type="application/json" id="vpcflow-map">`), draws it with cytoscape at the
 * positions computed in Node, and wires the search box, the reject toggle and the details
 * panel. Every value from the map reaches the page as text (`textContent`), never as markup.
 */

import { CHANGE_COLORS } from './changeStyle.js'
import { COLORS } from './mapToDot.js'

/** Colours of the edges by action, as in the SVG picture: the graph's style and the legend's. */
const ACTION_COLORS = { accept: COLORS.ACCEPT, reject: COLORS.REJECT, both: COLORS.BOTH } as const

export const PAGE_STYLE = String.raw`
:root { color-scheme: light; --line: #d9dee4; --muted: #5f6b7a; --ink: #1f2933; --accent: #1c64d6; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: grid; grid-template: auto 1fr / 1fr 22rem; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
header { grid-column: 1 / 3; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .55rem 1rem; border-bottom: 1px solid var(--line); background: #f8f9fb; }
header h1 { margin: 0; font-size: 15px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 40vw; }
header .controls { display: flex; align-items: center; gap: .9rem; margin-left: auto; }
#search { width: 17rem; padding: .3rem .55rem; font: inherit; border: 1px solid #b8c0ca; border-radius: 4px; }
#search:focus { outline: 2px solid var(--accent); outline-offset: -1px; border-color: var(--accent); }
#matches { color: var(--muted); min-width: 6.5rem; }
label.toggle { display: flex; align-items: center; gap: .35rem; cursor: pointer; white-space: nowrap; }
button { font: inherit; padding: .28rem .7rem; border: 1px solid #b8c0ca; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eef1f5; }
#graph { position: relative; min-width: 0; min-height: 0; overflow: hidden; }
aside { display: flex; flex-direction: column; min-height: 0; border-left: 1px solid var(--line); background: #fcfcfd; }
#details { flex: 1; overflow: auto; padding: .8rem 1rem; }
#details h2 { margin: 0 0 .2rem; font-size: 15px; overflow-wrap: anywhere; }
#details h3 { margin: 1rem 0 .35rem; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
#details .sub { color: var(--muted); margin: 0 0 .4rem; overflow-wrap: anywhere; }
#details p { margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: .15rem .3rem; border-bottom: 1px solid #eceff3; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; overflow-wrap: break-word; }
td small { color: var(--muted); font-size: 11px; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
tr.total td { font-weight: 600; border-top: 1px solid #c5ccd5; }
ul.list { list-style: none; margin: 0; padding: 0; }
ul.list li { display: flex; justify-content: space-between; gap: .6rem; padding: .12rem 0; border-bottom: 1px solid #f0f2f5; }
ul.list li > :first-child { overflow-wrap: anywhere; }
ul.list li > :last-child { color: var(--muted); white-space: nowrap; }
a.go { color: var(--accent); cursor: pointer; text-decoration: none; }
a.go:hover { text-decoration: underline; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 9px; color: #fff; font-size: 11px; font-weight: 600; vertical-align: 1px; }
.badge.accept { background: ${ACTION_COLORS.accept}; } .badge.reject { background: ${ACTION_COLORS.reject}; } .badge.both { background: ${ACTION_COLORS.both}; }
.more { color: var(--muted); font-style: italic; }
#legend { border-top: 1px solid var(--line); padding: .7rem 1rem .8rem; font-size: 12px; color: #3e4c59; }
#legend dl { display: grid; grid-template-columns: auto 1fr; gap: .1rem .7rem; margin: 0 0 .55rem; }
#legend dt { color: var(--muted); }
#legend dd { margin: 0; overflow-wrap: anywhere; }
#legend .keys { display: grid; grid-template-columns: 1fr 1fr; gap: .25rem .8rem; }
#legend .key { display: flex; align-items: center; gap: .4rem; }
.swatch { flex: none; display: inline-block; width: 22px; height: 0; border-top: 4px solid; border-radius: 2px; }
.swatch.accept { border-color: ${ACTION_COLORS.accept}; } .swatch.reject { border-color: ${ACTION_COLORS.reject}; } .swatch.both { border-color: ${ACTION_COLORS.both}; }
.shape { flex: none; display: inline-block; width: 22px; height: 13px; border: 1.5px solid; }
.shape.address { background: #f4f6f8; border-color: #7b8794; border-radius: 3px; }
.shape.group { background: #e6f4ea; border-color: #4c9a63; border-radius: 3px; }
.shape.internet { background: #e7eefc; border-color: #4a6fd1; border-radius: 50%; }
.shape.aws-service { background: #fff1d6; border-color: #c77c02; border-radius: 3px; transform: skewX(-12deg); }
.shape.vpc { background: #f1f5fb; border: 1.5px dashed #7a93b8; border-radius: 3px; }
.shape.account { background: #fbf8f1; border: 1.5px dashed #b29a62; border-radius: 3px; }
.hint { color: var(--muted); }
.badge.new { background: ${CHANGE_COLORS.new}; } .badge.vanished { background: ${CHANGE_COLORS.vanished}; } .badge.changed { background: #37474f; } .badge.same { background: #b0bec5; }
.swatch.new { border-color: ${CHANGE_COLORS.new}; border-top-width: 6px; } .swatch.vanished { border-color: ${CHANGE_COLORS.vanished}; border-top-style: dashed; }
.swatch.changed { border-color: #37474f; } .swatch.same { border-color: #cfd8dc; }
`

export const PAGE_BODY = String.raw`
<header>
  <h1 id="title"></h1>
  <div class="controls">
    <input id="search" type="search" placeholder="Search names and addresses  ( / )" autocomplete="off" spellcheck="false" aria-label="Search names and addresses">
    <span id="matches" aria-live="polite"></span>
    <label class="toggle"><input id="rejected-only" type="checkbox"> Rejected only</label>
    <button id="fit" type="button" title="Show the whole map">Fit</button>
  </div>
</header>
<main id="graph" aria-label="Network map"></main>
<aside>
  <section id="details" aria-live="polite"></section>
  <section id="legend"></section>
</aside>
`

/**
 * The page's script. Plain ES2020 in a string (no template literals inside, so that this
 * file's own template stays literal), run once when the page loads.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('vpcflow-map').textContent);
  var COLORS = ${JSON.stringify(ACTION_COLORS)};
  var CHANGE = ${JSON.stringify(CHANGE_COLORS)};
  /** What a diff's badge and legend call each change. */
  var CHANGE_TEXT = { new: 'new', vanished: 'gone', changed: 'changed', same: 'the same' };
  var LIST_LIMIT = 200;

  // Text and numbers ----------------------------------------------------------------
  var UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB'];
  function big(v) { return BigInt(v); }
  function bytesText(v) {
    var n = Number(v);
    if (n < 1000) return n + ' B';
    var unit = 0;
    while (n >= 999.95 && unit < UNITS.length - 1) { n /= 1000; unit++; }
    return n.toFixed(1) + ' ' + UNITS[unit];
  }
  function count(v) { return big(v).toLocaleString('en-US'); }
  function plural(n, one, many) { return count(n) + ' ' + (big(n) === 1n ? one : many); }
  function utc(seconds) { return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' '); }
  function windowText(w) {
    if (!w) return 'no traffic times in the input';
    var start = utc(w.start), end = utc(w.end);
    return start + ' \u2013 ' + (start.slice(0, 10) === end.slice(0, 10) ? end.slice(11) : end) + ' UTC';
  }
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    for (var key in attributes || {}) {
      if (key === 'text') node.textContent = attributes[key];
      else if (key === 'onclick') node.addEventListener('click', attributes[key]);
      else node.setAttribute(key, attributes[key]);
    }
    (children || []).forEach(function (child) { if (child != null) node.append(child); });
    return node;
  }
  function table(head, rows, total) {
    var t = el('table', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]);
    function cells(row) { return row.map(function (c) { return el('td', {}, [c]); }); }
    rows.forEach(function (row) { t.append(el('tr', {}, cells(row))); });
    if (total) t.append(el('tr', { class: 'total' }, cells(total)));
    return t;
  }

  // Traffic -----------------------------------------------------------------------------
  function zero() { return { bytes: 0n, packets: 0n }; }
  function addTo(sum, volume) { sum.bytes += big(volume.bytes); sum.packets += big(volume.packets); return sum; }
  function some(volume) { return big(volume.bytes) > 0n || big(volume.packets) > 0n; }
  function volumeCell(v) { return some(v) ? el('span', {}, [bytesText(v.bytes), el('br'), el('small', { text: plural(v.packets, 'packet', 'packets') })]) : '\u2013'; }
  var KIND_TEXT = { address: 'address', group: 'group of addresses', internet: 'public addresses', 'aws-service': 'AWS service', public: 'public address' };

  // The graph ---------------------------------------------------------------------------
  var clusterIds = new Map(model.clusters.map(function (c, i) { return [c.id, 'c' + i]; }));
  var nodeIds = new Map(model.nodes.map(function (n, i) { return [n.id, 'n' + i]; }));
  var elements = [];
  model.clusters.forEach(function (c, i) {
    elements.push({ group: 'nodes', data: { id: 'c' + i, label: c.label, parent: c.parent !== undefined ? clusterIds.get(c.parent) : undefined }, classes: 'cluster ' + c.kind });
  });
  model.nodes.forEach(function (n, i) {
    elements.push({
      group: 'nodes',
      data: { id: 'n' + i, index: i, label: n.label, w: n.size.width, h: n.size.height, parent: n.cluster !== undefined ? clusterIds.get(n.cluster) : undefined },
      position: n.position,
      classes: n.kind + (n.change ? ' ' + n.change : ''),
    });
  });
  model.edges.forEach(function (e, i) {
    elements.push({
      group: 'edges',
      data: { id: 'e' + i, index: i, source: nodeIds.get(e.from), target: nodeIds.get(e.to), width: e.width, label: e.label },
      classes: e.action.toLowerCase() + (e.change ? ' ' + e.change : ''),
    });
  });
  var large = model.nodes.length > 300 || model.edges.length > 1000;
  var cy = cytoscape({
    container: document.getElementById('graph'),
    elements: elements,
    layout: { name: 'preset', fit: true, padding: 30 },
    minZoom: 0.02,
    maxZoom: 6,
    boxSelectionEnabled: false,
    autounselectify: false,
    hideEdgesOnViewport: large,
    pixelRatio: large ? 1 : 'auto',
    style: [
      { selector: 'node', style: {
        shape: 'round-rectangle', width: 'data(w)', height: 'data(h)', label: 'data(label)',
        'font-family': 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif', 'font-size': 11, color: '#1f2933',
        'text-valign': 'center', 'text-halign': 'center', 'text-wrap': 'ellipsis', 'text-max-width': 'data(w)', 'min-zoomed-font-size': 6,
        'background-color': '#f4f6f8', 'border-width': 1.5, 'border-color': '#7b8794' } },
      { selector: 'node.group', style: { 'background-color': '#e6f4ea', 'border-color': '#4c9a63' } },
      { selector: 'node.internet, node.public', style: { shape: 'ellipse', 'background-color': '#e7eefc', 'border-color': '#4a6fd1' } },
      { selector: 'node.aws-service', style: { shape: 'rhomboid', 'background-color': '#fff1d6', 'border-color': '#c77c02' } },
      { selector: 'node.cluster', style: {
        shape: 'round-rectangle', 'background-color': '#f1f5fb', 'background-opacity': 0.8, 'border-width': 1.5, 'border-style': 'dashed', 'border-color': '#7a93b8',
        padding: 18, 'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -4, 'font-size': 13, 'font-weight': 600, color: '#3b4f6b', 'min-zoomed-font-size': 4 } },
      { selector: 'node.cluster.account', style: { 'background-color': '#fbf8f1', 'border-color': '#b29a62', color: '#6b5726' } },
      { selector: 'edge', style: {
        width: large ? 'mapData(width, 1, 9, 0.5, 4)' : 'data(width)', 'curve-style': large ? 'straight' : 'bezier', 'control-point-step-size': 24, opacity: large ? 0.45 : 0.85,
        'target-arrow-shape': 'triangle', 'arrow-scale': 0.9, 'line-color': COLORS.accept, 'target-arrow-color': COLORS.accept,
        label: 'data(label)', 'font-size': 9, color: '#3e4c59', 'text-rotation': 'autorotate', 'min-zoomed-font-size': 12,
        'text-outline-color': '#ffffff', 'text-outline-width': large ? 0 : 2, 'text-outline-opacity': 0.9 } },
      { selector: 'edge.reject', style: { 'line-color': COLORS.reject, 'target-arrow-color': COLORS.reject } },
      { selector: 'edge.both', style: { 'line-color': COLORS.both, 'target-arrow-color': COLORS.both } },
      // A diff's union map: what is new stands out, what vanished is dashed and grey, the rest fades.
      { selector: 'node.new', style: { 'border-width': 4, 'border-color': CHANGE.new, color: CHANGE.new, 'font-weight': 700, 'z-index': 10 } },
      { selector: 'node.vanished', style: { 'border-style': 'dashed', 'border-color': CHANGE.vanished, 'background-color': '#fafafa', color: CHANGE.vanished } },
      { selector: 'node.same', style: { opacity: 0.55 } },
      { selector: 'edge.new', style: { width: 'mapData(width, 1, 9, 4, 12)', opacity: 1, color: CHANGE.new, 'font-weight': 700, 'z-index': 10 } },
      { selector: 'edge.changed', style: { opacity: 1, 'font-weight': 700, 'z-index': 5 } },
      { selector: 'edge.vanished', style: { 'line-style': 'dashed', 'line-color': CHANGE.vanished, 'target-arrow-color': CHANGE.vanished, color: CHANGE.vanished, opacity: 0.9 } },
      { selector: 'edge.same', style: { opacity: 0.2, color: CHANGE.unchanged } },
      { selector: 'node.match', style: { 'border-width': 4, 'border-color': '#1c64d6', 'background-color': '#d8e6fd', 'z-index': 20 } },
      { selector: '.context', style: { opacity: 0.25 } },
      { selector: 'edge.context', style: { opacity: 0.1, 'text-opacity': 0 } },
      { selector: '.faded', style: { opacity: 0.15, 'text-opacity': 0.3 } },
      { selector: 'edge.faded', style: { opacity: 0.06, 'text-opacity': 0 } },
      { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#7c3aed', 'overlay-opacity': 0 } },
      { selector: 'edge:selected', style: { 'underlay-color': '#7c3aed', 'underlay-opacity': 0.35, 'underlay-padding': 4, 'z-index': 30, 'overlay-opacity': 0 } },
      { selector: '.hidden', style: { display: 'none' } },
    ],
  });
  window.cy = cy;
  var leaves = cy.nodes().not('.cluster');
  /**
   * Gives the class to every node and edge but those in clear (none when clear is null),
   * restyling only what changes from before, the clear set of the last call; returns clear.
   */
  function fadeAllBut(className, before, clear) {
    cy.batch(function () {
      if (!clear) cy.$('.' + className).removeClass(className);
      else if (!before) leaves.union(cy.edges()).difference(clear).addClass(className);
      else { before.difference(clear).addClass(className); clear.difference(before).removeClass(className); }
    });
    return clear;
  }

  // The header and the legend ---------------------------------------------------------
  var title = document.getElementById('title');
  title.textContent = model.title;
  title.title = model.title;
  function legend() {
    var w = model.widths;
    var keys = el('div', { class: 'keys' }, [
      el('span', { class: 'key' }, [el('span', { class: 'swatch accept' }), 'accepted']),
      el('span', { class: 'key' }, [el('span', { class: 'shape address' }), 'address']),
      el('span', { class: 'key' }, [el('span', { class: 'swatch reject' }), 'rejected']),
      el('span', { class: 'key' }, [el('span', { class: 'shape group' }), 'group']),
      el('span', { class: 'key' }, [el('span', { class: 'swatch both' }), 'both']),
      el('span', { class: 'key' }, [el('span', { class: 'shape internet' }), 'internet']),
      el('span', { class: 'key' }, [el('span', { class: 'shape vpc' }), 'VPC']),
      el('span', { class: 'key' }, [el('span', { class: 'shape aws-service' }), 'AWS service']),
      el('span', { class: 'key' }, [el('span', { class: 'shape account' }), 'account']),
    ]);
    var periods = model.periods;
    var changes = periods && el('div', { class: 'keys', id: 'changes' }, ['new', 'vanished', 'changed', 'same'].map(function (change) {
      return el('span', { class: 'key' }, [el('span', { class: 'swatch ' + change }), CHANGE_TEXT[change]]);
    }));
    var legendBox = document.getElementById('legend');
    legendBox.append.apply(legendBox, [
      el('dl', {}, [
        periods ? el('dt', { text: 'Before' }) : el('dt', { text: 'Time' }),
        el('dd', { id: 'window', text: windowText(periods ? periods.before : model.window) }),
        periods ? el('dt', { text: 'After' }) : null, periods ? el('dd', { id: 'after', text: windowText(periods.after) }) : null,
        el('dt', { text: 'Source' }), el('dd', { id: 'source', text: model.source === undefined ? 'not named' : model.source }),
        el('dt', { text: 'Nodes' }), el('dd', { text: plural(model.nodes.length, 'node', 'nodes') + ' by ' + model.groupBy + ', ' + plural(model.edges.length, 'edge', 'edges') }),
        el('dt', { text: 'Width' }), el('dd', { text: w ? 'bytes, log scale: ' + bytesText(w.least) + ' thinnest, ' + bytesText(w.most) + ' thickest' : 'bytes, log scale' }),
      ]),
    ].concat(changes ? [changes] : [], [keys]));
  }
  /** What became of a node or an edge of a diff, as a badge; nothing on a plain map. */
  function changeBadge(item) { return item.change ? el('span', { class: 'badge ' + item.change, text: CHANGE_TEXT[item.change] }) : null; }
  legend();

  // Details ---------------------------------------------------------------------------------
  var details = document.getElementById('details');
  function nodeLabel(id) { var n = model.nodes[cy.getElementById(nodeIds.get(id)).data('index')]; return n ? n.label : id; }
  function go(element, text) {
    return el('a', { class: 'go', href: '#', text: text, onclick: function (event) { event.preventDefault(); select(element); } });
  }
  function overview() {
    var accepted = zero(), rejected = zero();
    model.edges.forEach(function (e) {
      addTo(accepted, e.forward.accepted); addTo(accepted, e.reverse.accepted);
      addTo(rejected, e.forward.rejected); addTo(rejected, e.reverse.rejected);
    });
    details.replaceChildren(
      el('h2', { text: 'Who talks to whom' }),
      el('p', { class: 'hint', text: 'Click a node or an edge for its details. Scroll to zoom, drag to pan.' }),
      el('h3', { text: 'All traffic' }),
      table(['', 'bytes', 'packets'], [
        ['accepted', bytesText(accepted.bytes), count(accepted.packets)],
        ['rejected', bytesText(rejected.bytes), count(rejected.packets)],
      ]),
    );
  }
  function peerList(edges, outgoing) {
    var sorted = edges.sort(function (a, b) { return b.data('width') - a.data('width'); });
    var list = el('ul', { class: 'list' }, sorted.slice(0, LIST_LIMIT).map(function (edge) {
      var e = model.edges[edge.data('index')];
      return el('li', {}, [
        el('span', {}, [el('span', { class: 'badge ' + e.action.toLowerCase(), text: e.action === 'BOTH' ? 'both' : e.action.toLowerCase() }), ' ', go(edge, outgoing ? nodeLabel(e.to) : nodeLabel(e.from))]),
        el('span', { text: (e.label || '') + '  ' + bytesText(e.bytes) }),
      ]);
    }));
    if (sorted.length > LIST_LIMIT) list.append(el('li', { class: 'more', text: '+' + (sorted.length - LIST_LIMIT) + ' more' }));
    return list;
  }
  function showNode(node) {
    var n = model.nodes[node.data('index')];
    var sent = { accepted: zero(), rejected: zero() }, received = { accepted: zero(), rejected: zero() };
    var out = node.outgoers('edge').toArray(), incoming = node.incomers('edge').toArray();
    out.forEach(function (edge) { var e = model.edges[edge.data('index')];
      addTo(sent.accepted, e.forward.accepted); addTo(sent.rejected, e.forward.rejected);
      addTo(received.accepted, e.reverse.accepted); addTo(received.rejected, e.reverse.rejected); });
    incoming.forEach(function (edge) { var e = model.edges[edge.data('index')];
      addTo(received.accepted, e.forward.accepted); addTo(received.rejected, e.forward.rejected);
      addTo(sent.accepted, e.reverse.accepted); addTo(sent.rejected, e.reverse.rejected); });
    var cluster = n.cluster !== undefined ? model.clusters.find(function (c) { return c.id === n.cluster; }) : undefined;
    var parts = [
      el('h2', {}, [n.label, n.change ? ' ' : null, changeBadge(n)]),
      el('p', { class: 'sub', text: [n.label !== n.id ? n.id : null, KIND_TEXT[n.kind] || n.kind, cluster ? 'in ' + cluster.label : null].filter(Boolean).join(' \u00b7 ') }),
      el('h3', { text: 'Traffic' }),
      table(['', 'sent', 'received'], [
        ['accepted', volumeCell(sent.accepted), volumeCell(received.accepted)],
        ['rejected', volumeCell(sent.rejected), volumeCell(received.rejected)],
      ]),
    ];
    if (out.length) parts.push(el('h3', { text: 'Talks to (' + out.length + ')' }), peerList(out, true));
    if (incoming.length) parts.push(el('h3', { text: 'Talked to by (' + incoming.length + ')' }), peerList(incoming, false));
    var names = n.names || {};
    parts.push(el('h3', { text: plural(n.addressCount, 'address', 'addresses') }));
    var addresses = el('ul', { class: 'list', id: 'addresses' }, n.addresses.slice(0, LIST_LIMIT * 5).map(function (a) {
      return el('li', {}, [el('span', { text: a }), el('span', { text: names[a] || '' })]);
    }));
    var shown = Math.min(n.addresses.length, LIST_LIMIT * 5);
    if (n.addressCount > shown) addresses.append(el('li', { class: 'more', text: '+' + count(big(n.addressCount) - big(shown)) + ' more' }));
    parts.push(addresses);
    details.replaceChildren.apply(details, parts);
  }
  function showEdge(edge) {
    var e = model.edges[edge.data('index')];
    var rows = [];
    var total = { forward: zero(), reverse: zero() };
    e.services.forEach(function (s) {
      ['accepted', 'rejected'].forEach(function (action) {
        var f = s.forward[action], r = s.reverse[action];
        if (!some(f) && !some(r)) return;
        addTo(total.forward, f); addTo(total.reverse, r);
        rows.push([s.label, action, bytesText(f.bytes), count(f.packets), bytesText(r.bytes), count(r.packets)]);
      });
    });
    details.replaceChildren(
      el('h2', {}, [go(edge.source(), nodeLabel(e.from)), ' \u2192 ', go(edge.target(), nodeLabel(e.to))]),
      el('p', { class: 'sub' }, [
        changeBadge(e), e.change ? ' ' : null,
        el('span', { class: 'badge ' + e.action.toLowerCase(), text: e.action === 'BOTH' ? 'accepted and rejected' : e.action === 'ACCEPT' ? 'accepted' : 'rejected' }),
        ' ' + [plural(e.sources, 'client', 'clients'), plural(e.targets, 'server', 'servers'), plural(e.records, 'digest line', 'digest lines')].join(' \u00b7 '),
      ]),
      el('h3', { text: 'Services (' + e.services.length + ')' }),
      table(['service', '', '\u2192 bytes', '\u2192 packets', '\u2190 bytes', '\u2190 packets'], rows,
        rows.length > 1 ? ['all', '', bytesText(total.forward.bytes), count(total.forward.packets), bytesText(total.reverse.bytes), count(total.reverse.packets)] : null),
      el('p', { class: 'hint', text: '\u2192 client to server (requests), \u2190 server to client (replies).' }),
    );
  }
  function select(element) {
    cy.elements(':selected').unselect();
    element.select();
    if (!element.visible()) return;
    var view = cy.extent(), box = element.boundingBox();
    if (box.x1 < view.x1 || box.x2 > view.x2 || box.y1 < view.y1 || box.y2 > view.y2) cy.animate({ center: { eles: element }, duration: 250 });
  }
  /** What stays clear around the selection: it, and its edges and peers; null with nothing selected. */
  var focus = null;
  function spotlight(element) {
    var clear = !element ? null : element.isNode() ? element.closedNeighborhood() : element.union(element.connectedNodes());
    focus = fadeAllBut('context', focus, clear);
  }
  cy.on('select', 'node, edge', function (event) {
    var target = event.target;
    if (target.hasClass('cluster')) return;
    spotlight(target);
    if (target.isNode()) showNode(target); else showEdge(target);
  });
  cy.on('tap', function (event) { if (event.target === cy) { spotlight(null); overview(); } });
  overview();

  // Search ----------------------------------------------------------------------------------
  var haystacks = model.nodes.map(function (n) {
    var names = n.names ? Object.values(n.names) : [];
    return [n.label, n.id].concat(n.addresses, names).join('\n').toLowerCase();
  });
  var search = document.getElementById('search');
  var matchesText = document.getElementById('matches');
  var matched = cy.collection();
  /** What stays clear while a search is on: the matches and their edges; null with no search. */
  var kept = null;
  /** Highlights the matches of the box's text; only elements whose state changes are restyled. */
  function find() {
    var query = search.value.trim().toLowerCase();
    var next = query ? leaves.filter(function (node) { return haystacks[node.data('index')].indexOf(query) !== -1; }) : cy.collection();
    cy.batch(function () {
      matched.difference(next).removeClass('match');
      next.difference(matched).addClass('match');
    });
    kept = fadeAllBut('faded', kept, query ? next.union(next.connectedEdges()) : null);
    matched = next;
    matchesText.textContent = query ? plural(matched.length, 'match', 'matches') : '';
  }
  search.addEventListener('input', find);
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && matched.length) cy.animate({ fit: { eles: matched, padding: 80 }, duration: 300 });
    if (event.key === 'Escape') { search.value = ''; find(); }
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === '/' && document.activeElement !== search) { event.preventDefault(); search.focus(); }
  });

  // Rejected only ---------------------------------------------------------------------
  var rejectedOnly = document.getElementById('rejected-only');
  function filter() {
    cy.batch(function () {
      cy.elements().removeClass('hidden');
      if (!rejectedOnly.checked) return;
      cy.edges('.accept').addClass('hidden');
      leaves.not(cy.edges().not('.hidden').connectedNodes()).addClass('hidden');
      cy.nodes('.cluster').filter(function (c) { return c.descendants().not('.cluster').not('.hidden').empty(); }).addClass('hidden');
    });
  }
  rejectedOnly.addEventListener('change', filter);
  document.getElementById('fit').addEventListener('click', function () { cy.animate({ fit: { eles: cy.elements().not('.hidden'), padding: 30 }, duration: 300 }); });
})();
`
