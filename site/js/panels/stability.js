// Stability: how much the class's attribution graph depends on the sample of images (the
// stability stage; the record's format is summit.io.artifacts.Stability). The graph is rebuilt
// from bootstrap resamples of the class's image groups: how alike the resampled graphs and
// the graph are (Jaccard, mean and 5th percentile, also between the graphs of two halves of
// the groups), which of the graph's vertices reach the minimum support (the others are
// tentative), and which vertices the resampled graphs often hold that this one lacks. Every
// name and number is set as text. `graphStyle` marks the graph view: a ring per vertex for
// its inclusion, tentative vertices dashed, edges as opaque as they are included.
//
// "Tentative" and "often" are the Python's rules (summit.method.resampling.tentative, the
// stability stage's summit.evidence.stability.table_rows), checked against
// tests/vectors/support.json by tests/js/support.test.mjs. A record states its minimum support
// (settings.min_support); the configured default stands in only for one that does not.
import { formatFixed, formatInt } from '../format.js';
import { formatShare } from '../share.js';

const formatPct = formatShare; // 90%, 87.5%: no trailing zeros

export const title = 'Stability';

/** The inclusion from which a vertex outside the graph is "often" in the resampled graphs
 * ("half" in the panel's words; the stability stage's `frequent_outside`). */
export const OFTEN = 0.5;
/** The configured default minimum support (config `stability.min_support`), for a record
 * that does not state its own. */
export const MIN_SUPPORT = 0.9;
const LISTED = 12; // vertices named in a list before "and n more"
const BINS = 10; // inclusion histogram bins over [0, 1]
const EXTRACTIONS = { per_layer: 'per-layer', unified: 'unified' };
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const plural = (n, one, many = `${one}s`) => `${formatInt(n)} ${n === 1 ? one : many}`;

/** Whether a share of the resamples is tentative under the minimum support `min`: below it,
 * or none measured (NaN). */
export const isTentative = (share, min) => !(share >= min);
/** Whether a vertex outside the graph is often in the resampled graphs. */
export const isOften = (inclusion) => inclusion >= OFTEN;
/** The record's minimum support: its settings', else the configured default. */
export const minSupport = (record) => (isNum(record.settings?.min_support) ? record.settings.min_support : MIN_SUPPORT);

/** Inclusion as "0.94 (47 of 50 resamples)". */
function inclusionText(inclusion, resamples) {
  const n = isNum(resamples) ? ` (${formatInt(Math.round(inclusion * resamples))} of ${plural(resamples, 'resample')})` : '';
  return `${formatFixed(inclusion)}${n}`;
}

function vertexIndex(record) {
  return new Map((record.vertices || []).map((v) => [v.id, v]));
}

const indexes = new WeakMap(); // record -> Map vertex id -> entry, for the card's rows

/** The card row of a vertex: its inclusion over the resamples; "tentative" below the minimum
 * support. A vertex no resampled graph holds is absent from the record: 0. */
export function vertexLine(record, vertexId) {
  if (!indexes.has(record)) indexes.set(record, vertexIndex(record));
  const v = indexes.get(record).get(vertexId);
  const inclusion = v?.inclusion ?? 0;
  const tentative = isTentative(inclusion, minSupport(record));
  return ['inclusion', `${inclusionText(inclusion, record.settings?.resamples)}${tentative ? ', tentative' : ''}`];
}

/** The graph view's marks (panels.js): the vertex's inclusion as a ring, dashed below the
 * minimum support; an edge as opaque as its inclusion (a faint floor keeps it visible). */
export function graphStyle(record) {
  const s = record.settings || {};
  const min = minSupport(record);
  const vertices = vertexIndex(record);
  const edges = new Map((record.edges || []).map((e) => [`${e.source}>${e.target}`, e.inclusion]));
  const edgeInclusion = (a, b) => edges.get(`${a}>${b}`) ?? edges.get(`${b}>${a}`) ?? 0;
  const at = isNum(s.share) ? ` at ${formatShare(s.share)}` : '';
  return {
    vertex(id) {
      const inclusion = vertices.get(id)?.inclusion ?? 0;
      return { arc: inclusion, mark: isTentative(inclusion, min) ? 'tentative' : null, label: `inclusion ${formatFixed(inclusion)}` };
    },
    edge(source, target) {
      const inclusion = edgeInclusion(source, target);
      return { opacity: 0.12 + 0.88 * inclusion, line: ['inclusion', inclusionText(inclusion, s.resamples)] };
    },
    legend: [
      { mark: 'arc', text: `ring: share of the ${isNum(s.resamples) ? `${formatInt(s.resamples)} ` : ''}resampled graphs${at} holding the vertex` },
      { mark: 'dashed', text: `tentative: below ${formatPct(min)}` },
      { mark: 'edge', text: 'edge opacity: its share' },
    ],
  };
}

export function render(root, record) {
  const width = Math.floor(root.node().getBoundingClientRect().width) || 320;
  const s = record.settings || {};
  const box = root.append('div').attr('class', 'stability');
  const images = d3.sum(record.group_images || []);
  const extraction = EXTRACTIONS[s.extraction] ?? s.extraction;
  box
    .append('p')
    .attr('class', 'st-head')
    .text(
      `${plural(s.resamples, 'bootstrap resample')} of ${plural(s.groups, 'image group')}` +
        (images ? ` (${plural(images, 'image')})` : '') +
        (extraction ? ` · ${extraction} graph${isNum(s.share) ? ` at ${formatShare(s.share)}` : ''}` : ''),
    );
  box
    .append('p')
    .attr('class', 'muted hint')
    .text(
      `Each resample draws the ${formatInt(s.groups)} groups again with replacement and rebuilds the graph; ` +
        "a vertex's inclusion is the share of the resampled graphs holding it.",
    );
  agreement(box, record, width);
  support(box, record, width);
}

function section(parent, heading, hint) {
  const s = parent.append('div').attr('class', 'st-section');
  s.append('h3').text(heading);
  if (hint) s.append('p').attr('class', 'muted hint').text(hint);
  return s;
}

/** Jaccard of the resampled graphs with the graph, and of split halves with each other: a
 * table of mean and 5th percentile with a bar (mean) and a tick (5th percentile) per row. */
function agreement(parent, record, width) {
  const s = record.settings || {};
  const first = record.halves?.[0]?.first?.length;
  const halves = isNum(first) && isNum(s.groups) ? `, ${formatInt(first)} + ${formatInt(s.groups - first)} groups` : '';
  const sec = section(parent, 'Agreement', 'Jaccard index: shared ÷ all vertices (or edges); 1 = the same graph.');
  const table = sec.append('table').attr('class', 'st-agreement');
  const head = table.append('thead').append('tr');
  head.append('th');
  head.append('th').text('mean');
  head.append('th').attr('title', '5th percentile: 95% of the comparisons agree at least this much').text('5th pct');
  head.append('th').attr('class', 'st-bar-head').attr('aria-hidden', 'true');
  const body = table.append('tbody');
  const groups = [
    [`Resampled graph vs this graph (${plural(s.resamples, "resample")})`, record.jaccard, 'jaccard'],
    [`Two halves of the groups (${formatInt(s.split_halves)} splits${halves})`, record.split_half, 'split-half'],
  ];
  const barW = Math.max(40, Math.min(110, width - 200));
  for (const [label, values, key] of groups) {
    body.append('tr').attr('class', 'st-group').append('th').attr('colspan', 4).attr('scope', 'rowgroup').text(label);
    for (const kind of ['vertices', 'edges']) {
      const v = values?.[kind] ?? {};
      const row = body.append('tr').attr('data-row', `${key}-${kind}`);
      row.append('th').attr('scope', 'row').text(kind);
      row.append('td').attr('class', 'st-mean').text(formatFixed(v.mean));
      row.append('td').attr('class', 'st-p5').text(formatFixed(v.p5));
      const svg = row.append('td').append('svg').attr('class', 'st-bar').attr('width', barW).attr('height', 10).attr('aria-hidden', 'true');
      svg.append('rect').attr('class', 'track').attr('width', barW).attr('height', 10);
      if (isNum(v.mean)) svg.append('rect').attr('class', 'fill').attr('width', Math.max(0, Math.min(1, v.mean)) * barW).attr('height', 10);
      if (isNum(v.p5)) {
        const x = Math.max(1, Math.min(barW - 1, v.p5 * barW));
        svg.append('line').attr('class', 'p5').attr('x1', x).attr('x2', x).attr('y1', 0).attr('y2', 10);
      }
    }
  }
  sec.append('p').attr('class', 'st-key muted').text('bar: mean · tick: 5th percentile');
}

/** A record's vertices and edges by the rules: `{min, inGraph, tentative (weakest first),
 * outside, often, edges (the graph's)}`. */
export function supportOf(record) {
  const min = minSupport(record);
  const vertices = (record.vertices || []).filter((v) => isNum(v.inclusion));
  const inGraph = vertices.filter((v) => v.in_graph);
  const tentative = inGraph.filter((v) => isTentative(v.inclusion, min)).sort((a, b) => a.inclusion - b.inclusion || d3.ascending(a.id, b.id));
  const outside = vertices.filter((v) => !v.in_graph);
  const often = outside.filter((v) => isOften(v.inclusion));
  const edges = (record.edges || []).filter((e) => e.in_graph && isNum(e.inclusion));
  return { min, inGraph, tentative, outside, often, edges };
}

/** Which of the graph's vertices reach the minimum support, which do not (tentative), which
 * vertices outside the graph the resampled graphs often hold, and a histogram of inclusion. */
function support(parent, record, width) {
  const s = record.settings || {};
  const { min, inGraph, tentative, outside, often, edges } = supportOf(record);
  const sec = section(parent, 'Support');
  const supported = inGraph.length - tentative.length;
  sec
    .append('p')
    .attr('class', 'st-summary')
    .text(
      inGraph.length
        ? `${formatInt(supported)} of the graph's ${plural(inGraph.length, 'vertex', 'vertices')} ${supported === 1 ? 'is' : 'are'} in at least ${formatPct(min)} of the resampled graphs` +
            (tentative.length ? `; ${formatInt(tentative.length)} ${tentative.length === 1 ? 'is' : 'are'} tentative:` : ': none is tentative.')
        : 'The graph has no vertices.',
    );
  if (tentative.length) chips(sec, tentative, 'tentative', s.resamples);
  if (edges.length) {
    const strong = edges.filter((e) => !isTentative(e.inclusion, min)).length;
    sec.append('p').attr('class', 'st-edges').text(`Edges: ${formatInt(strong)} of ${formatInt(edges.length)} reach ${formatPct(min)}.`);
  }
  sec
    .append('p')
    .attr('class', 'st-often-head')
    .text(
      often.length
        ? `Not in this graph but in at least half of the resampled graphs: ${plural(often.length, 'vertex', 'vertices')}:`
        : 'No vertex outside this graph is in half of the resampled graphs.',
    );
  if (often.length) chips(sec, often, 'often', s.resamples);
  histogram(sec, inGraph, outside, min, width);
}

function chips(parent, list, kind, resamples) {
  const ul = parent.append('ul').attr('class', `st-chips ${kind}`);
  for (const v of list.slice(0, LISTED)) {
    const li = ul.append('li').attr('data-id', v.id).attr('title', `${v.id}: inclusion ${inclusionText(v.inclusion, resamples)}`);
    li.append('span').attr('class', 'st-chip-id').text(v.id);
    li.append('span').attr('class', 'st-chip-value').text(formatFixed(v.inclusion));
  }
  if (list.length > LISTED) ul.append('li').attr('class', 'st-more muted').text(`and ${formatInt(list.length - LISTED)} more`);
}

/** Vertices per inclusion bin: the graph's above the axis (supported and tentative stacked),
 * the resampled graphs' others below, each bar labelled with its count. */
function histogram(parent, inGraph, outside, min, width) {
  const bin = (v) => Math.min(BINS - 1, Math.floor(v.inclusion * BINS + 1e-9));
  const up = Array.from({ length: BINS }, () => ({ ok: 0, tentative: 0 }));
  const down = new Array(BINS).fill(0);
  for (const v of inGraph) up[bin(v)][isTentative(v.inclusion, min) ? 'tentative' : 'ok'] += 1;
  for (const v of outside) down[bin(v)] += 1;
  const m = { left: 4, right: 4, top: 14, bottom: 40 };
  const half = 38;
  const h = m.top + 2 * half + m.bottom;
  const x = d3.scaleLinear().domain([0, 1]).range([m.left, width - m.right]);
  const most = d3.max([...up.map((u) => u.ok + u.tentative), ...down]) || 1;
  const y = d3.scaleLinear().domain([0, most]).range([0, half]);
  const axisY = m.top + half;
  const legendRow = parent.append('p').attr('class', 'st-legend');
  for (const [mark, text] of [['ok', 'in the graph'], ['tentative', `tentative (below ${formatPct(min)})`], ['outside', 'only in resampled graphs']]) {
    const item = legendRow.append('span');
    item.append('span').attr('class', `st-swatch ${mark}`).attr('aria-hidden', 'true');
    item.append('span').text(text);
  }
  const svg = parent
    .append('svg')
    .attr('class', 'st-hist')
    .attr('width', width)
    .attr('height', h)
    .attr('viewBox', `0 0 ${width} ${h}`)
    .attr('role', 'img')
    .attr('aria-label', 'Vertices by inclusion: the graph\'s above the axis, the others below');
  const bw = (x(1) - x(0)) / BINS;
  up.forEach((u, i) => {
    const x0 = x(i / BINS) + 1;
    const hOk = y(u.ok);
    const hT = y(u.tentative);
    if (u.ok) svg.append('rect').attr('class', 'bar ok').attr('x', x0).attr('width', bw - 2).attr('y', axisY - hOk).attr('height', hOk);
    if (u.tentative) svg.append('rect').attr('class', 'bar tentative').attr('x', x0).attr('width', bw - 2).attr('y', axisY - hOk - hT).attr('height', hT);
    const n = u.ok + u.tentative;
    if (n) svg.append('text').attr('class', 'count').attr('x', x0 + (bw - 2) / 2).attr('y', axisY - hOk - hT - 2).attr('text-anchor', 'middle').text(formatInt(n));
  });
  down.forEach((n, i) => {
    if (!n) return;
    const x0 = x(i / BINS) + 1;
    svg.append('rect').attr('class', 'bar outside').attr('x', x0).attr('width', bw - 2).attr('y', axisY + 1).attr('height', y(n));
    svg.append('text').attr('class', 'count').attr('x', x0 + (bw - 2) / 2).attr('y', axisY + y(n) + 10).attr('text-anchor', 'middle').text(formatInt(n));
  });
  svg.append('line').attr('class', 'axis').attr('x1', x(0)).attr('x2', x(1)).attr('y1', axisY).attr('y2', axisY);
  svg.append('line').attr('class', 'min-support').attr('x1', x(min)).attr('x2', x(min)).attr('y1', m.top - 10).attr('y2', m.top + 2 * half + 2);
  for (const t of [0, 0.5, 1]) {
    svg
      .append('text')
      .attr('class', 'tick')
      .attr('x', x(t))
      .attr('y', m.top + 2 * half + 24)
      .attr('text-anchor', t === 0 ? 'start' : t === 1 ? 'end' : 'middle')
      .text(String(t));
  }
  svg.append('text').attr('class', 'label').attr('x', (x(0) + x(1)) / 2).attr('y', h - 2).attr('text-anchor', 'middle').text('inclusion (share of resampled graphs)');
}
