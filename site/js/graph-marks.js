// The per-class panels' marks on the graph view (graph.js; panels.js `graphStyle`): a ring
// around a vertex, a dashed ring with a word, edge opacity, with their legend; and what is
// said of the drawn graph as a whole: each vertex's aria-label and the tally above the graph.
import { formatInt, formatPct } from './format.js';
import { shareWithSpread } from './models.js';
import { formatShare } from './share.js';
import { membershipText, vertexName } from './graph-card.js';

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
// A panel's ring (graphStyle): share `f` of a band outside the vertex, clockwise from the top.
const ring = (r, f) => d3.arc()({ innerRadius: r + 3.5, outerRadius: r + 6, startAngle: 0, endAngle: 2 * Math.PI * clamp(f, 0, 1) });

/** The classes drawn: the selected one, and the comparison class if any. */
export function shownClasses(view) {
  const { st, study } = view;
  return [st.classIndex, st.compareIndex].filter((i) => i != null).map((i) => study.classes[i]);
}

/** The panels' marks (graphStyle) on the drawn vertices and edges, their legend, and the
 * vertices' labels and the tally; again whenever a panel's record arrives. */
export function applyStyles(view) {
  if (!view.layout) return;
  const classes = shownClasses(view);
  const byClass = classes.map((cls) => view.hooks.graphStyles(cls));
  const combine = combiner(view, classes, byClass);
  view.styleOf = new Map(view.layout.nodes.map((n) => [n.id, vertexStyle(combine, n)]));
  const nodeSel = view.scene.nodesG.selectAll('g.node:not(.leaving)');
  const style = (n) => view.styleOf.get(n.id) ?? null;
  nodeSel
    .classed('marked', (n) => Boolean(style(n)?.mark))
    .attr('data-mark', (n) => style(n)?.mark ?? null)
    .attr('data-arc', (n) => (isNum(style(n)?.arc) ? String(style(n).arc) : null))
    .attr('aria-label', (n) => ariaLabel(view, n));
  nodeSel.select('path.support-track').attr('d', (n) => (isNum(style(n)?.arc) ? ring(n.r, 1) : null));
  nodeSel.select('path.support-arc').attr('d', (n) => (isNum(style(n)?.arc) && style(n).arc > 0 ? ring(n.r, style(n).arc) : null));
  view.scene.edgesG.selectAll('g.edge:not(.leaving)').each(function (e) {
    const found = combine(e.membership, (s) => s.edge?.(e.source, e.target));
    const opacities = (found || []).map(([, v]) => v.opacity).filter(isNum);
    e.lines = (found || []).filter(([, v]) => v.line).map(([cls, v]) => [combine.named(cls, v.line[0]), v.line[1]]);
    this.style.setProperty('--support-opacity', opacities.length ? String(clamp(Math.min(...opacities), 0, 1)) : '1');
  });
  showLegend(view, byClass.flat());
  showStats(view);
}

/**
 * `combine(membership, get)`: the panels' marks (`get(style)`) on a vertex or edge of that
 * membership, as [class, mark] pairs, or null without any. A vertex or edge of one compared
 * class takes that class's styles; of both, both's. Comparing models, the class's records are
 * about this model's graph: not the other's. `combine.named(cls, label)` names the class of a
 * label when two are compared.
 */
function combiner(view, classes, byClass) {
  const compared = classes.length > 1;
  const own = [[classes[0], byClass[0]]];
  const other = compared ? [[classes[1], byClass[1]]] : [];
  const stylesFor = (membership) => (view.record ? (membership === 'b' ? [] : own) : membership === 'b' ? other : membership === 'both' ? [...own, ...other] : own);
  const combine = (membership, get) => {
    const found = stylesFor(membership).flatMap(([cls, styles]) => styles.map((s) => [cls, get(s)])).filter(([, v]) => v);
    return found.length ? found : null;
  };
  combine.named = (cls, label) => (compared ? `${label} in ${cls.name}` : label);
  return combine;
}

/** A vertex's combined mark: the weaker arc, the first word, the labels; null without any. */
function vertexStyle(combine, n) {
  const found = combine(n.membership, (s) => s.vertex?.(n.id));
  if (!found) return null;
  const arcs = found.map(([, v]) => v.arc).filter(isNum);
  return {
    arc: arcs.length ? Math.min(...arcs) : null, // the weaker
    mark: found.map(([, v]) => v.mark).find(Boolean) ?? null,
    label: found.filter(([, v]) => v.label).map(([cls, v]) => combine.named(cls, v.label)).join(', ') || null,
  };
}

/** The panels' legend items (each once), and the pale vertices' beyond the configured graph. */
function showLegend(view, styles) {
  const items = [];
  const seen = new Set();
  for (const item of styles.flatMap((s) => s.legend || [])) {
    const key = `${item.mark}|${item.text}`;
    if (!seen.has(key)) items.push(item);
    seen.add(key);
  }
  if (view.beyond.size && view.slider) items.push({ mark: 'beyond', text: `pale: not in the graph at ${formatShare(view.slider.share)}` });
  const legend = view.el.supportLegend;
  legend.attr('hidden', items.length ? null : '');
  const entries = legend
    .selectAll('span.legend-item')
    .data(items, (d) => `${d.mark}|${d.text}`)
    .join((enter) => {
      const item = enter.append('span').attr('class', 'legend-item');
      item.append('svg').attr('class', (d) => `legend-mark ${d.mark}`).attr('width', 18).attr('height', 14).attr('aria-hidden', 'true').each(drawLegendMark);
      item.append('span');
      return item;
    });
  entries.attr('data-mark', (d) => d.mark).select('span').text((d) => d.text);
}

function drawLegendMark(d) {
  const g = d3.select(this).append('g').attr('transform', 'translate(9,7)');
  if (d.mark === 'edge') {
    g.append('line').attr('x1', -8).attr('x2', 8).attr('y1', -3).attr('y2', -3).attr('class', 'strong');
    g.append('line').attr('x1', -8).attr('x2', 8).attr('y1', 3).attr('y2', 3).attr('class', 'faint');
    return;
  }
  g.append('circle').attr('r', 3.5);
  if (d.mark === 'beyond') return;
  g.append('path').attr('class', 'support-track').attr('d', ring(2, 1));
  if (d.mark === 'arc') g.append('path').attr('class', 'support-arc').attr('d', ring(2, 0.7));
}

function ariaLabel(view, n) {
  const s = view.styleOf.get(n.id);
  const failed = view.shows.get(n.id)?.some((x) => x.failed);
  return (
    `${vertexName(view, n)}, ${n.extra ? 'not in the class graph' : `count ${formatInt(n.count)}`}${membershipText(view, n)}` +
    `${view.beyond.has(n.id) ? ', beyond the configured graph' : ''}${s?.label ? `, ${s.label}` : ''}${s?.mark ? `, ${s.mark}` : ''}` +
    `${failed ? ', render failed' : ''}`
  );
}

/** The graph's tally: vertices, edges, the vertices beyond the configured graph, marked by a
 * panel, or whose render failed; comparing models, the vertices of each kind (in the legend)
 * and the share of the graph the second model keeps. */
function showStats(view) {
  const { nodes, edges } = view.layout;
  const { beyond, slider, styleOf, shows, record } = view;
  const parts = [`${formatInt(nodes.length)} vertices`, `${formatInt(edges.length)} edges`];
  const nBeyond = nodes.filter((n) => beyond.has(n.id)).length;
  if (nBeyond && slider) parts.push(`${formatInt(nBeyond)} beyond ${formatShare(slider.share)}`);
  const marks = d3.rollups(nodes.filter((n) => styleOf.get(n.id)?.mark), (v) => v.length, (n) => styleOf.get(n.id).mark);
  for (const [mark, k] of marks) parts.push(`${formatInt(k)} ${mark}`);
  const nFailed = nodes.filter((n) => shows.get(n.id)?.some((x) => x.failed)).length;
  if (nFailed) parts.push(`${formatInt(nFailed)} hatched: render failed`);
  const by = d3.rollup(nodes, (v) => v.length, (n) => n.membership);
  for (const m of ['a', 'b', 'both']) d3.select(`#legend-${m}-n`).text(record ? ` (${formatInt(by.get(m) ?? 0)})` : '');
  view.el.stats.text(parts.join(' · '));
  if (record) showKept(view);
}

/** Comparing models: the share of the graph the second model keeps, the record's (the
 * configured graphs'), so it is the one the analyses state. */
function showKept(view) {
  const { record, modelNames } = view;
  view.el.stats
    .append('span')
    .attr('class', 'kept')
    .attr('title', `The share of ${modelNames[0]}'s graph's vertices that ${modelNames[1]}'s graph has too, through the channel matching; resamples: 5th–95th percentile over resample b of one model's graph against resample b of the other's`)
    .text(` · ${modelNames[1]} keeps ${shareWithSpread(record.conserved?.vertices, record.stability?.conserved)} of ${modelNames[0]}'s vertices, ${formatPct(record.conserved?.edges)} of its edges`);
}
