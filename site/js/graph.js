// Attribution-graph view: one row per layer (last layer on top), channels as
// circles sized by `count`, edges as vertical cubic links whose width encodes
// `weight`. Supports zoom/pan, a reset button, and hover/focus highlighting.
import { loadJSON } from './data.js';
import { formatInt, formatSig } from './format.js';
import { elementAnchor, hideTooltip, moveTooltip, showTooltip } from './tooltip.js';
import { showError } from './errors.js';

const MARGIN = { top: 46, right: 24, bottom: 46, left: 24 };
const LABEL_W = 118; // room for row labels left of the vertices
const R_MIN = 8;

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

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
 * @param graph       parsed data/graphs/<id>.json
 * @param layerNames  fallback list of layers (input side first)
 */
export function layoutGraph(graph, layerNames, { width, height }) {
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
    nodeById.set(String(raw.id), {
      id: String(raw.id),
      layer: String(raw.layer),
      layerIndex: li,
      channel: Number(raw.channel),
      count: Number.isFinite(raw.count) ? raw.count : 0,
      pagerank: raw.pagerank,
    });
  }
  let skippedEdges = 0;
  const edges = [];
  for (const raw of graph.edges || []) {
    const s = nodeById.get(String(raw.source));
    const t = nodeById.get(String(raw.target));
    if (!s || !t) {
      skippedEdges += 1;
      continue;
    }
    // Normalise so that `source` is the lower (input-side) vertex.
    const [lo, hi] = s.layerIndex <= t.layerIndex ? [s, t] : [t, s];
    edges.push({ source: lo.id, target: hi.id, weight: Number.isFinite(raw.weight) ? raw.weight : 0 });
  }

  const rows = layers.map(() => []);
  for (const n of nodeById.values()) rows[n.layerIndex].push(n);
  orderRows(rows, nodeById, edges);

  const left = MARGIN.left + LABEL_W;
  const avail = Math.max(120, width - left - MARGIN.right);
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const rowGap = L > 1 ? clamp(innerH / (L - 1), 64, 170) : 0;
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
function fitTransform(bounds, width, height) {
  const bw = bounds.x1 - bounds.x0;
  const bh = bounds.y1 - bounds.y0;
  const k = Math.min(1, width / bw, height / bh);
  const tx = (width - bw * k) / 2 - bounds.x0 * k;
  const ty = (height - bh * k) / 2 - bounds.y0 * k;
  return d3.zoomIdentity.translate(tx, ty).scale(k);
}

export function createGraph({ study, onSelectLayer }) {
  const svg = d3.select('#graph-svg');
  const body = document.getElementById('graph-body');
  const message = document.getElementById('graph-message');
  const classLabel = d3.select('#graph-class');
  const stats = d3.select('#graph-stats');
  const layerNames = study.layers.map((l) => l.name);

  const zoomG = svg.append('g').attr('class', 'zoom-layer');
  const rowsG = zoomG.append('g').attr('class', 'rows');
  const edgesG = zoomG.append('g').attr('class', 'edges');
  const nodesG = zoomG.append('g').attr('class', 'nodes');

  const zoom = d3
    .zoom()
    .scaleExtent([0.1, 10])
    .on('zoom', (event) => zoomG.attr('transform', event.transform));
  svg.call(zoom).on('dblclick.zoom', null);

  let layout = null;
  let graphData = null;
  let fit = d3.zoomIdentity;
  let requested = null; // class index of the newest request
  let currentLayer = null;

  document.getElementById('graph-reset').addEventListener('click', () => {
    svg.transition().duration(500).call(zoom.transform, fit);
  });

  function setMessage(text, isError = false) {
    message.hidden = !text;
    message.textContent = text || '';
    message.classList.toggle('error', isError);
  }

  function clear() {
    rowsG.selectAll('*').remove();
    edgesG.selectAll('*').remove();
    nodesG.selectAll('*').remove();
    layout = null;
  }

  function render() {
    if (!graphData) return;
    const width = body.clientWidth;
    const height = body.clientHeight;
    if (!width || !height) return;
    layout = layoutGraph(graphData, layerNames, { width, height });
    const { rows, nodes, nodeById, edges } = layout;

    // Rows ---------------------------------------------------------------
    const rowSel = rowsG
      .selectAll('g.row')
      .data(rows, (d) => d.name)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'row');
        g.append('rect').attr('class', 'row-band');
        g.append('line').attr('class', 'row-line');
        g.append('text').attr('class', 'row-label');
        g.append('text').attr('class', 'row-sub');
        return g;
      })
      .attr('transform', (d) => `translate(0,${d.y})`);
    const bandH = Math.min(Math.max(layout.rowGap * 0.85, 2 * layout.rMax + 8), 2 * layout.rMax + 36);
    rowSel
      .select('rect')
      .attr('x', layout.bounds.x0 + 4)
      .attr('width', layout.bounds.x1 - layout.bounds.x0 - 8)
      .attr('y', -bandH / 2)
      .attr('height', bandH)
      .attr('rx', 6);
    rowSel
      .select('line')
      .attr('x1', layout.labelX + 6)
      .attr('x2', layout.bounds.x1 - 10);
    rowSel
      .select('text.row-label')
      .attr('x', layout.labelX)
      .attr('y', -2)
      .attr('text-anchor', 'end')
      .text((d) => d.name)
      .on('click', (event, d) => onSelectLayer?.(d.name));
    rowSel
      .select('text.row-sub')
      .attr('x', layout.labelX)
      .attr('y', 11)
      .attr('text-anchor', 'end')
      .text((d) => (d.n === 1 ? '1 channel' : `${d.n} channels`));

    // Edges --------------------------------------------------------------
    const link = d3
      .linkVertical()
      .x((p) => p.x)
      .y((p) => p.y);
    edgesG
      .selectAll('path')
      .data(edges)
      .join('path')
      .attr('class', 'edge')
      .attr('stroke-width', (e) => e.width)
      .attr('d', (e) => {
        const s = nodeById.get(e.source);
        const t = nodeById.get(e.target);
        return link({ source: { x: s.x, y: s.y - s.r }, target: { x: t.x, y: t.y + t.r } });
      });

    // Nodes --------------------------------------------------------------
    const nodeSel = nodesG
      .selectAll('g.node')
      .data(nodes, (n) => n.id)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'node').attr('tabindex', 0).attr('role', 'button');
        g.append('circle');
        g.append('text');
        return g;
      })
      .order()
      .attr('transform', (n) => `translate(${n.x},${n.y})`)
      .attr('aria-label', (n) => `${n.layer} channel ${n.channel}, count ${formatInt(n.count)}`);
    nodeSel.select('circle').attr('r', (n) => n.r);
    nodeSel
      .select('text')
      .text((n) => String(n.channel))
      .style('font-size', (n) => `${clamp((2 * n.r - 2) / (0.62 * String(n.channel).length + 0.3), 7, 12)}px`);

    const highlight = (n) => {
      const neighbours = new Set([n.id]);
      for (const e of edges) {
        if (e.source === n.id) neighbours.add(e.target);
        if (e.target === n.id) neighbours.add(e.source);
      }
      svg.classed('hovering', true);
      edgesG.selectAll('path').classed('hl', (e) => e.source === n.id || e.target === n.id);
      nodeSel.classed('hl', (m) => neighbours.has(m.id)).classed('active', (m) => m.id === n.id);
    };
    const unhighlight = () => {
      svg.classed('hovering', false);
      edgesG.selectAll('path.hl').classed('hl', false);
      nodeSel.classed('hl', false).classed('active', false);
      hideTooltip();
    };
    const tooltipRows = (n) => {
      const inE = edges.filter((e) => e.target === n.id).length;
      const outE = edges.filter((e) => e.source === n.id).length;
      return [
        ['layer', n.layer],
        ['channel', String(n.channel)],
        ['count', formatInt(n.count)],
        ['pagerank', formatSig(n.pagerank)],
        ['edges in / out', `${inE} / ${outE}`],
      ];
    };
    nodeSel
      .on('mouseenter', (event, n) => {
        highlight(n);
        showTooltip(event, `${n.layer}:${n.channel}`, tooltipRows(n));
      })
      .on('mousemove', (event) => moveTooltip(event))
      .on('mouseleave', unhighlight)
      .on('focus', function (event, n) {
        highlight(n);
        showTooltip(elementAnchor(this), `${n.layer}:${n.channel}`, tooltipRows(n));
      })
      .on('blur', unhighlight);

    applyLayerHighlight();
    fit = fitTransform(layout.bounds, width, height);
    svg.interrupt().call(zoom.transform, fit);

    if (!nodes.length) setMessage('This class has no vertices in its attribution graph.');
    if (layout.skippedNodes || layout.skippedEdges) {
      console.warn(
        `graph: skipped ${layout.skippedNodes} vertices with unknown layer/duplicate id, ` +
          `${layout.skippedEdges} edges with unknown endpoints`,
      );
    }
  }

  function applyLayerHighlight() {
    rowsG.selectAll('rect.row-band').classed('current', (d) => d.name === currentLayer);
    rowsG.selectAll('text.row-label').classed('current', (d) => d.name === currentLayer);
  }

  async function load(classIndex) {
    const cls = study.classes[classIndex];
    requested = classIndex;
    classLabel.text(cls ? `— ${cls.name}` : '');
    d3.select('#graph-heading').attr('title', cls ? `Attribution graph — ${cls.name}` : null);
    stats.text('');
    hideTooltip();
    if (!cls) return;
    if (!cls.graph) {
      graphData = null;
      clear();
      setMessage(`No graph file is listed for class ${cls.name}.`, true);
      return;
    }
    setMessage('Loading…');
    let data;
    try {
      data = await loadJSON(cls.graph);
      if (!data || !Array.isArray(data.nodes) || !Array.isArray(data.edges)) {
        throw new Error(`${cls.graph}: expected "nodes" and "edges" arrays`);
      }
    } catch (err) {
      if (requested !== classIndex) return;
      graphData = null;
      clear();
      setMessage(`Could not load the attribution graph: ${err.message}`, true);
      showError(`Could not load the attribution graph for class “${cls.name}”: ${err.message}`);
      return;
    }
    if (requested !== classIndex) return; // a newer selection superseded this one
    graphData = data;
    setMessage('');
    clear();
    render();
    if (layout) stats.text(`${formatInt(layout.nodes.length)} vertices · ${formatInt(layout.edges.length)} edges`);
  }

  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 120);
  }).observe(body);

  return {
    update(st, changed) {
      if (changed.has('layer') || changed.has('study')) {
        currentLayer = st.layer;
        applyLayerHighlight();
      }
      if (changed.has('classIndex') || changed.has('study')) load(st.classIndex);
    },
  };
}
