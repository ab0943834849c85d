// Attribution-graph layout (pure functions of the data and the available size): the union
// of two classes' graphs for comparison, and rows of vertices, last layer on top, ordered
// by barycentre sweeps to reduce edge crossings.

const MARGIN = { top: 46, right: 24, bottom: 46, left: 24 };
const LABEL_W = 118; // room for row labels left of the vertices
const R_MIN = 8;

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

/**
 * Union of two class graphs: every vertex and edge gets `membership` "a" (first class only),
 * "b" (second only) or "both"; vertices keep both counts in `counts` and are sized by the larger.
 */
export function mergeGraphs(a, b) {
  const nodes = new Map();
  for (const [tag, graph] of [
    ['a', a],
    ['b', b],
  ]) {
    for (const n of graph.nodes || []) {
      const id = String(n.id);
      const seen = nodes.get(id);
      if (seen) {
        seen.membership = 'both';
        seen.counts[tag] = n.count;
        seen.count = Math.max(seen.count, n.count);
      } else nodes.set(id, { ...n, id, membership: tag, counts: { [tag]: n.count } });
    }
  }
  const edges = new Map();
  for (const [tag, graph] of [
    ['a', a],
    ['b', b],
  ]) {
    for (const e of graph.edges || []) {
      const id = `${e.source}>${e.target}`;
      const seen = edges.get(id);
      if (seen) {
        seen.membership = 'both';
        seen.weight = Math.max(seen.weight, e.weight);
      } else edges.set(id, { ...e, membership: tag });
    }
  }
  const layers = (a.layers?.length ? a : b).layers;
  return { layers, nodes: [...nodes.values()], edges: [...edges.values()] };
}

/**
 * Order vertices within each row with a few barycentre sweeps, to reduce edge crossings.
 * @returns Map layerIndex -> array of nodes in left-to-right order
 */
function orderRows(rows, nodeById, edges) {
  const pos = new Map();
  const setPos = (row) => row.forEach((n, i) => pos.set(n.id, (i + 0.5) / row.length));
  rows.forEach((row) => {
    row.sort((a, b) => a.channel - b.channel || d3.ascending(a.id, b.id));
    setPos(row);
  });
  const up = new Map(); // node id -> [[neighbour id in a higher layer, weight]]
  const down = new Map();
  for (const e of edges) {
    if (!up.has(e.source)) up.set(e.source, []);
    if (!down.has(e.target)) down.set(e.target, []);
    up.get(e.source).push([e.target, e.weight]);
    down.get(e.target).push([e.source, e.weight]);
  }
  const sweep = (row, adj) => {
    const key = new Map();
    for (const n of row) {
      const nb = adj.get(n.id);
      if (nb && nb.length) {
        const w = d3.sum(nb, (d) => Math.max(d[1], 1e-9));
        key.set(n.id, d3.sum(nb, (d) => pos.get(d[0]) * Math.max(d[1], 1e-9)) / w);
      } else key.set(n.id, pos.get(n.id));
    }
    row.sort((a, b) => key.get(a.id) - key.get(b.id) || a.channel - b.channel);
    setPos(row);
  };
  const L = rows.length;
  for (let iter = 0; iter < 4; iter++) {
    for (let li = L - 2; li >= 0; li--) sweep(rows[li], up);
    for (let li = 1; li < L; li++) sweep(rows[li], down);
  }
  return rows;
}

/**
 * Compute positions. Pure function of the data and the available size.
 * @param graph       parsed data/graphs/<id>.json, or the union made by `mergeGraphs`
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

  const rows = layers.map(() => []);
  for (const n of nodeById.values()) rows[n.layerIndex].push(n);
  orderRows(rows, nodeById, edges);

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

