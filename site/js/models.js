// Two models' graphs of a class as one (study.json `models`, summit.render.site): model B's graph is
// written in model A's vertex ids through the channel matching (summit.analyses.matching.translate), so
// `union(A's graph, B's)` (graph-layout.js) has one vertex per matched pair, carrying B's own
// `b_layer`, `b_channel` and match `score`. What such a vertex shows and how it is labelled is
// the rule of the workflow's figure (summit.render.figures `vertex_renders`, `vertex_label`), checked
// against it on shared vectors (tests/vectors/models.json).
import { loadJSON } from './data.js';
import { formatPct } from './format.js';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * The renders a vertex of the union shows, left to right: `{model: 'a' | 'b', layer,
 * channel}` in that model's own layer and channel. A vertex of A's graph alone shows A's; one
 * of B's alone, B's; a matched pair in both graphs, A's (left half) and B's (right half).
 */
export function vertexRenders(n) {
  const a = { model: 'a', layer: n.layer, channel: n.channel };
  if (n.b_channel == null) return [a];
  const b = { model: 'b', layer: n.b_layer, channel: n.b_channel };
  return n.membership === 'b' ? [b] : [a, b];
}

/** A vertex's label where it shows no image: "a|b" for B's vertex matched to A's channel a
 * (in A's graph or not), "b<j>" for B's unmatched channel j, else A's channel. */
export function vertexLabel(n) {
  if (n.b_channel == null) return String(n.channel);
  if (n.score == null) return `b${n.b_channel}`;
  return `${n.channel}|${n.b_channel}`;
}

/**
 * Short labels telling the two models apart, "A" and "B" with what differs after the start
 * their names share: "Demo" and "Demo, seed 1" are "A" and "B (seed 1)", "ResNet-50" and
 * "GoogLeNet" "A (ResNet-50)" and "B (GoogLeNet)" (the full names go in tooltips).
 */
export function modelLabels([a, b]) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  // cut where a name ends or after the last separator both share, never inside a word
  const cut = i === a.length || i === b.length ? i : Math.max(0, ...[',', '(', ';', '·'].map((c) => a.lastIndexOf(c, i - 1) + 1));
  const rest = (s) => s.slice(cut).replace(/^[\s,;:·(-]+/, '').replace(/\)$/, (m) => (s.slice(cut).includes('(') ? m : ''));
  return [['A', rest(a)], ['B', rest(b)]].map(([k, r]) => (r ? `${k} (${r})` : k));
}

/** A class's comparison with model B (the `models.data` file: graph_b, conserved, …). */
export async function loadModelComparison(study, cls) {
  const path = study.models.data.replace('{id}', String(cls.id));
  const record = await loadJSON(path);
  const g = record?.graph_b;
  if (!g || !Array.isArray(g.nodes) || !Array.isArray(g.edges)) {
    throw new Error(`${path}: expected "graph_b" with "nodes" and "edges" arrays`);
  }
  return record;
}

/** "62.5% (resamples 51.0%–70.0%)": a share with the 5th–95th percentile of its resamples. */
export function shareWithSpread(value, spread) {
  const range = spread && isNum(spread.p5) && isNum(spread.p95) ? ` (resamples ${formatPct(spread.p5)}–${formatPct(spread.p95)})` : '';
  return `${formatPct(value)}${range}`;
}
