// Attribution-graph layout (pure functions of the data and the available size): the union
// of two classes' graphs for comparison, and rows of vertices, last layer on top, ordered
// by barycentre sweeps to reduce edge crossings.
//
// `union` and `orderRows` are the rules of summit.render.layout (Python), implemented again exactly:
// same output, same float arithmetic, so the site draws a graph as the PDF figures do. Both
// are checked against tests/vectors/layout.json (tests/js/layout.test.mjs); change the
// Python module first and regenerate the vectors. They need no global; `layoutGraph` and
// `fitTransform` use the global `d3` (site/vendor/d3.min.js).

const MARGIN = { top: 46, right: 24, bottom: 46, left: 24 };
const LABEL_W = 118; // room for row labels left of the vertices
const R_MIN = 8;

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
// Python's `<` on ids, channels and (source, target) pairs.
const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
const membership = (inA, inB) => (inA && inB ? 'both' : inA ? 'a' : 'b');

/**
 * Union of two graphs as `{layers, nodes, edges}` (summit.render.layout.union). Vertices are matched
 * by `id` and edges by (source, target); each keeps the fields of its record in `a` (else
 * `b`; a vertex in both also gains `b`'s other fields, e.g. a second model's own channel),
 * with `membership` "a" (only in `a`), "b" (only in `b`) or "both"; vertices also get
 * `counts` {a, b} (null where absent) and `count` the larger, edges `weight` the larger.
 * Vertices are sorted by id, edges by (source, target); layers are `a`'s, else `b`'s.
 */
export function union(a, b) {
  const byId = (graph) => new Map((graph.nodes || []).map((n) => [n.id, n]));
  const edgeKey = (e) => JSON.stringify([e.source, e.target]);
  const byKey = (graph) => new Map((graph.edges || []).map((e) => [edgeKey(e), e]));
  const nodesA = byId(a);
  const nodesB = byId(b);
  const nodes = [...new Set([...nodesA.keys(), ...nodesB.keys()])].sort(cmp).map((id) => {
    const na = nodesA.get(id);
    const nb = nodesB.get(id);
    const pair = [na, nb].filter((n) => n !== undefined);
    return {
      ...nb,
      ...na,
      count: Math.max(...pair.map((n) => n.count)),
      membership: membership(na !== undefined, nb !== undefined),
      counts: { a: na === undefined ? null : na.count, b: nb === undefined ? null : nb.count },
    };
  });
  const edgesA = byKey(a);
  const edgesB = byKey(b);
  const keys = new Map([...edgesA, ...edgesB].map(([k, e]) => [k, [e.source, e.target]]));
  const edges = [...keys]
    .sort(([, x], [, y]) => cmp(x[0], y[0]) || cmp(x[1], y[1]))
    .map(([k]) => {
      const pair = [edgesA.get(k), edgesB.get(k)].filter((e) => e !== undefined);
      return { ...pair[0], weight: Math.max(...pair.map((e) => e.weight)), membership: membership(edgesA.has(k), edgesB.has(k)) };
    });
  const layers = a.layers && a.layers.length ? a.layers : b.layers || [];
  return { layers: [...layers], nodes, edges };
}

/**
 * The sum of `values` in numpy's pairwise order (summit.render.layout.pairwise_sum, what np.mean
 * computes): fewer than 8 values left to right from 0; up to 128 in 8 interleaved partial
 * sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the rest left to right; more
 * than 128 as the sum of the two halves (the first a multiple of 8 long).
 */
export function pairwiseSum(values, lo = 0, hi = values.length) {
  const n = hi - lo;
  if (n < 8) {
    let total = 0;
    for (let i = lo; i < hi; i++) total += values[i];
    return total;
  }
  if (n <= 128) {
    const r = values.slice(lo, lo + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += values[lo + i + j];
    let total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) total += values[lo + i];
    return total;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, lo, lo + half) + pairwiseSum(values, lo + half, hi);
}

/**
 * Vertices per layer, each row ordered left to right (summit.render.layout.order_rows): a Map from
 * each of `graph.layers` to its vertices (the objects of `graph.nodes`).
 *
 * Rows start sorted by (channel, id); a vertex's position in its row is (i + 0.5) / length.
 * Then `sweeps` sweeps alternate up (layers[1] … last) and down (second-to-last … layers[0]),
 * up first: each layer in turn is re-sorted by (barycentre, channel, id) and its positions
 * updated before the next layer. The barycentre is the unweighted mean (`pairwiseSum` / count)
 * of the current positions of the vertex's neighbours in any layer, listed in edge order (for
 * each edge the source gains the target and the target the source); a vertex without placed
 * neighbours keeps its position.
 */
export function orderRows(graph, sweeps = 4) {
  const layers = [...graph.layers];
  const byChannel = (x, y) => cmp(x.channel, y.channel) || cmp(x.id, y.id);
  const rows = new Map(layers.map((layer) => [layer, (graph.nodes || []).filter((n) => n.layer === layer).sort(byChannel)]));
  const neighbours = new Map();
  const link = (from, to) => {
    if (!neighbours.has(from)) neighbours.set(from, []);
    neighbours.get(from).push(to);
  };
  for (const e of graph.edges || []) {
    link(e.source, e.target);
    link(e.target, e.source);
  }
  const pos = new Map();
  const place = (row) => row.forEach((n, i) => pos.set(n.id, (i + 0.5) / row.length));
  rows.forEach(place);
  const centre = (n) => {
    const near = (neighbours.get(n.id) || []).filter((m) => pos.has(m)).map((m) => pos.get(m));
    return near.length ? pairwiseSum(near) / near.length : pos.get(n.id);
  };
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const order = sweep % 2 === 0 ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const layer of order) {
      const keys = new Map(rows.get(layer).map((n) => [n.id, centre(n)]));
      const row = rows.get(layer).slice().sort((x, y) => cmp(keys.get(x.id), keys.get(y.id)) || byChannel(x, y));
      rows.set(layer, row);
      place(row);
    }
  }
  return rows;
}

/**
 * Compute positions. Pure function of the data and the available size.
 * @param graph       parsed data/graphs/<id>.json, or the union made by `union`
 * @param layerNames  fallback list of layers (input side first)
 * Vertices with a count below `minCount` are left out with their edges; `widthScale` and
 * `heightScale` stretch the rows' width and the gap between rows.
 */
export function layoutGraph(graph, layerNames, { width, height, minCount = 0, widthScale = 1, heightScale = 1 }) {
  const layers = Array.isArray(graph.layers) && graph.layers.length ? graph.layers.map(String) : layerNames;
  const L = layers.length;
  const layerIndex = new Map(layers.map((name, i) => [name, i]));

  const nodeById = new Map();
  let skippedNodes = 0;
  for (const raw of graph.nodes || []) {
    const li = layerIndex.get(String(raw.layer));
    if (li === undefined || raw.id == null || nodeById.has(String(raw.id))) {
      skippedNodes += 1;
      continue;
    }
    if (!(raw.count >= minCount)) continue;
    nodeById.set(String(raw.id), {
      id: String(raw.id),
      layer: String(raw.layer),
      layerIndex: li,
      channel: Number(raw.channel),
      count: Number.isFinite(raw.count) ? raw.count : 0,
      pagerank: raw.pagerank,
      membership: raw.membership ?? null,
      counts: raw.counts ?? null,
      extra: Boolean(raw.extra),
    });
  }
  const known = new Set((graph.nodes || []).map((n) => String(n.id)));
  let skippedEdges = 0;
  const edges = [];
  for (const raw of graph.edges || []) {
    const s = nodeById.get(String(raw.source));
    const t = nodeById.get(String(raw.target));
    if (!s || !t) {
      if (!known.has(String(raw.source)) || !known.has(String(raw.target))) skippedEdges += 1;
      continue;
    }
    // Normalise so that `source` is the lower (input-side) vertex.
    const [lo, hi] = s.layerIndex <= t.layerIndex ? [s, t] : [t, s];
    edges.push({
      id: `${lo.id}>${hi.id}`,
      source: lo.id,
      target: hi.id,
      weight: Number.isFinite(raw.weight) ? raw.weight : 0,
      membership: raw.membership ?? null,
    });
  }

  const ordered = orderRows({ layers, nodes: [...nodeById.values()], edges });
  const rows = layers.map((name) => ordered.get(name));

  const left = MARGIN.left + LABEL_W;
  const avail = Math.max(120, width - left - MARGIN.right) * widthScale;
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const rowGap = L > 1 ? clamp(innerH / (L - 1), 64, 170) * heightScale : 0;
  // Largest radius: bounded by the row spacing and by the widest row fitting the width.
  const widest = d3.max(rows, (row) => row.length) || 1;
  const rMax = clamp(Math.min(rowGap * 0.26, avail / (widest * 2.2)), 14, 24);
  // Square-root scale from count to radius, starting at a disc that still fits a label.
  const rScale = d3
    .scaleSqrt()
    .domain([0, d3.max(nodeById.values(), (n) => n.count) || 1])
    .range([R_MIN, rMax])
    .clamp(true);
  for (const n of nodeById.values()) n.r = rScale(n.count);

  const cx = left + avail / 2;
  rows.forEach((row, li) => {
    const y = MARGIN.top + (L - 1 - li) * rowGap; // last layer on top
    const total = d3.sum(row, (n) => 2 * n.r);
    const gap = row.length ? clamp((avail - total) / row.length, 4, 70) : 0;
    const span = total + gap * row.length;
    let x = cx - span / 2 + gap / 2;
    for (const n of row) {
      n.x = x + n.r;
      n.y = y;
      x += 2 * n.r + gap;
    }
  });

  const xs = [...nodeById.values()].flatMap((n) => [n.x - n.r, n.x + n.r]);
  const contentLeft = Math.min(left, d3.min(xs) ?? left);
  const contentRight = Math.max(left + avail, d3.max(xs) ?? left + avail);
  const rowInfo = layers.map((name, li) => ({
    name,
    index: li,
    y: MARGIN.top + (L - 1 - li) * rowGap,
    n: rows[li].length,
  }));

  const wScale = d3
    .scaleSqrt()
    .domain([0, d3.max(edges, (e) => e.weight) || 1])
    .range([0, 7]);
  for (const e of edges) e.width = Math.max(0.6, wScale(e.weight));
  edges.sort((a, b) => a.weight - b.weight); // heavy edges drawn last (on top)

  return {
    layers,
    rows: rowInfo,
    nodes: rows.slice().reverse().flat(), // top row first: reading/tab order
    nodeById,
    edges,
    rowGap,
    rMax,
    labelX: contentLeft - 14,
    bounds: {
      x0: contentLeft - LABEL_W,
      x1: contentRight + MARGIN.right,
      y0: 0,
      y1: MARGIN.top + (L - 1) * rowGap + MARGIN.bottom,
    },
    skippedNodes,
    skippedEdges,
  };
}

/** Zoom transform that fits the layout bounds into the viewport (never magnifies). */
export function fitTransform(bounds, width, height) {
  const bw = bounds.x1 - bounds.x0;
  const bh = bounds.y1 - bounds.y0;
  const k = Math.min(1, width / bw, height / bh);
  const tx = (width - bw * k) / 2 - bounds.x0 * k;
  const ty = (height - bh * k) / 2 - bounds.y0 * k;
  return d3.zoomIdentity.translate(tx, ty).scale(k);
}

