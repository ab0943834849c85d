// Attribution-graph view: the selected class's graph (or its union with the comparison
// class's), one row per layer with the last layer on top, vertices sized by count and drawn
// as the channel's feature visualization (else its top dataset example, else its number),
// edges as curves with width by weight; a vertex whose render failed is hatched with a dotted
// outline and its card says why (a grey render is no feature). Zoom/pan/reset; sliders
// filter vertices by count and stretch the graph, with animated transitions; moving the
// mouse across a vertex flips through its diversity images; hovering a vertex greys the
// rest, animates its edges and shows a card with the channel's details, images and dataset
// examples; hovering an edge highlights both ends; clicking (or Enter on) a vertex selects
// its channel. A highlight set by the Analyses panel (a motif's channels) is marked, with a
// legend to clear it. A share slider re-extracts the graph at another share (share.js):
// vertices beyond the configured graph are pale, and show a feature visualization only if
// one was rendered (else their number). Per-class panels may mark vertices and edges
// (`graphStyle`, see panels.js: a ring, a dashed ring with a word, edge opacity), with a
// legend. With a second model (study.json `models`), a toggle draws the class's graph together
// with that model's, its channels matched to this model's (models.js): a matched pair is one
// vertex showing this model's render on the left half and the other's on the right; the
// tally states the share of the graph the other model keeps. Comparing models and comparing
// classes exclude each other (state.js).
import { loadJSON } from './data.js';
import { drawDensity } from './density.js';
import { showError } from './errors.js';
import { formatFixed, formatInt, formatPct, formatSig } from './format.js';
import { fitTransform, layoutGraph, union } from './graph-layout.js';
import { SHARE_STEP, formatShare, graphAtShare, readShare, sliderOf } from './share.js';
import { loadClassLayerStats } from './layers.js';
import { loadModelComparison, modelLabels, shareWithSpread, vertexLabel, vertexRenders } from './models.js';
import { examplesSprite, exampleClassSummary, featvisSprite, loadExamples, modelFeatvisSprite, renderFailure, spriteTile, vertexSprite } from './sprites.js';
import { parseChannel } from './state.js';
import { elementAnchor, hideTooltip, moveTooltip, showTooltip } from './tooltip.js';

const DURATION = 450;
const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const halfDisc = (r) => `M0,${-r}A${r},${r} 0 0 1 0,${r}Z`; // right half, for shared vertices
const halfRing = (r) => `M0,${-r - 2}A${r + 2},${r + 2} 0 0 1 0,${r + 2}`; // the same, around an image
// A panel's ring (graphStyle): share `f` of a band outside the vertex, clockwise from the top.
const ring = (r, f) => d3.arc()({ innerRadius: r + 3.5, outerRadius: r + 6, startAngle: 0, endAngle: 2 * Math.PI * clamp(f, 0, 1) });
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

async function loadGraph(cls) {
  const data = await loadJSON(cls.graph);
  if (!data || !Array.isArray(data.nodes) || !Array.isArray(data.edges)) {
    throw new Error(`${cls.graph}: expected "nodes" and "edges" arrays`);
  }
  return data;
}

/** `vertexLines(cls, vertexId)`: more rows for a vertex's card (the per-class panels');
 * `graphStyles(cls)`: the panels' marks for the class's graph (panels.js `graphStyle`);
 * `onToggleModels(on)`: the comparison with the second model switched on or off. */
export function createGraph({ study, onSelectLayer, onSelectChannel, onClearHighlight, onToggleModels = () => {}, vertexLines = () => [], graphStyles = () => [] }) {
  const svg = d3.select('#graph-svg');
  const body = document.getElementById('graph-body');
  const message = document.getElementById('graph-message');
  const classLabel = d3.select('#graph-class');
  const stats = d3.select('#graph-stats');
  const legend = document.getElementById('compare-legend');
  const highlightLegend = document.getElementById('highlight-legend');
  document.getElementById('highlight-clear').addEventListener('click', () => onClearHighlight());
  const layerNames = study.layers.map((l) => l.name);
  const sliders = {
    minCount: document.getElementById('filter-count'),
    width: document.getElementById('graph-width'),
    height: document.getElementById('graph-height'),
  };
  const share = {
    control: document.getElementById('share-control'),
    input: document.getElementById('graph-share'),
    output: document.getElementById('graph-share-value'),
    reset: document.getElementById('graph-share-reset'),
    tick: document.getElementById('share-configured'),
  };
  const supportLegend = d3.select('#support-legend');
  const fullNames = study.models?.names ?? null; // [A, B] when the study compares two models
  // what the view writes: "A", "B (seed 1)"; the full names are in the control's tooltip
  const modelNames = fullNames ? modelLabels(fullNames) : null;
  const modelsToggle = document.getElementById('graph-models');
  document.getElementById('models-control').hidden = !modelNames;
  if (modelNames) {
    document.getElementById('models-name').textContent = modelNames[1];
    document.getElementById('models-control').title =
      `A = ${fullNames[0]}, B = ${fullNames[1]}. Draw the class's graph together with B's, B's channels matched to A's by their ` +
      "responses: a matched pair is one vertex, A's render on the left half, B's on the right";
    modelsToggle.addEventListener('change', () => onToggleModels(modelsToggle.checked));
  }

  const defs = svg.append('defs');
  const HATCH = 'render-failed-hatch'; // fills the vertices whose render failed
  const hatch = svg
    .append('defs')
    .append('pattern')
    .attr('id', HATCH)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 5)
    .attr('height', 5)
    .attr('patternTransform', 'rotate(45)');
  hatch.append('rect').attr('width', 5).attr('height', 5).attr('fill', '#fff');
  hatch.append('line').attr('x1', 2.5).attr('x2', 2.5).attr('y2', 5).attr('stroke', '#D55E00').attr('stroke-width', 1.4);
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
  let sources = []; // the shown classes' graphs as loaded
  let slider = null; // {range, share} of the shown graph's share slider, or null
  let shareValue = null; // the slider's share (the configured one until moved)
  let beyond = new Set(); // ids of the vertices shown beyond the configured graph
  let entryShare = new Map(); // vertex id -> its entry share (the selected class's)
  let styleOf = new Map(); // vertex id -> the panels' combined mark, or null
  let maxCount = 0;
  let fit = d3.zoomIdentity;
  let ticket = 0; // the newest load request
  let st = null;
  let hoverToken = 0;
  let record = null; // the class's comparison with the second model, while it is drawn
  let shows = new Map(); // vertex id -> per render it shows (vertexRenders), {render, sprite, failed}
  const patternIds = new Map(); // vertex id -> id of its image pattern
  const patternId = (n) => {
    if (!patternIds.has(n.id)) patternIds.set(n.id, `vertex-image-${patternIds.size}`);
    return patternIds.get(n.id);
  };

  document.getElementById('graph-reset').addEventListener('click', () => {
    svg.transition().duration(500).call(zoom.transform, fit);
  });

  function setMessage(text, isError = false) {
    message.hidden = !text;
    message.textContent = text || '';
    message.classList.toggle('error', isError);
  }

  function minCount() {
    return Math.ceil((Number(sliders.minCount.value) / 100) * maxCount);
  }

  function showSliderValues() {
    document.getElementById('filter-count-value').textContent = `≥ ${formatInt(minCount())}`;
    if (slider) {
      share.output.textContent = formatShare(shareValue);
      share.reset.disabled = shareValue === slider.share;
    }
    document.getElementById('graph-width-value').textContent = `${sliders.width.value}%`;
    document.getElementById('graph-height-value').textContent = `${sliders.height.value}%`;
  }

  /** Lay out and draw the current graph; `refit` re-centres it, `animate` tweens the change. */
  function render({ refit = false, animate = true } = {}) {
    showSliderValues();
    if (!graphData) return;
    const width = body.clientWidth;
    const height = body.clientHeight;
    if (!width || !height) return;
    layout = layoutGraph(graphData, layerNames, {
      width,
      height,
      minCount: minCount(),
      widthScale: Number(sliders.width.value) / 100,
      heightScale: Number(sliders.height.value) / 100,
    });
    const { rows, nodes, nodeById, edges } = layout;
    if (record) {
      // the layout keeps the fields it draws; a vertex of the second model keeps its own too
      const raw = new Map(graphData.nodes.map((n) => [n.id, n]));
      for (const n of nodes) {
        const r = raw.get(n.id);
        if (r?.b_channel != null) Object.assign(n, { b_layer: r.b_layer, b_channel: r.b_channel, score: r.score ?? null });
      }
    }
    const t = svg.transition().duration(animate ? DURATION : 0).ease(d3.easeCubicInOut);

    // Rows ---------------------------------------------------------------
    const rowSel = rowsG
      .selectAll('g.row')
      .data(rows, (d) => d.name)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'row').attr('transform', (d) => `translate(0,${d.y})`);
        g.append('rect').attr('class', 'row-band');
        g.append('line').attr('class', 'row-line');
        g.append('text').attr('class', 'row-label');
        g.append('text').attr('class', 'row-sub');
        g.append('text').attr('class', 'row-sub row-b');
        return g;
      });
    rowSel.transition(t).attr('transform', (d) => `translate(0,${d.y})`);
    const bandH = Math.min(Math.max(layout.rowGap * 0.85, 2 * layout.rMax + 8), 2 * layout.rMax + 36);
    rowSel
      .select('rect')
      .attr('x', layout.bounds.x0 + 4)
      .attr('width', layout.bounds.x1 - layout.bounds.x0 - 8)
      .attr('y', -bandH / 2)
      .attr('height', bandH)
      .attr('rx', 6);
    rowSel.select('line').attr('x1', layout.labelX + 6).attr('x2', layout.bounds.x1 - 10);
    rowSel
      .select('text.row-label')
      .attr('x', layout.labelX)
      .attr('y', -2)
      .attr('text-anchor', 'end')
      .text((d) => d.name)
      .on('click', (event, d) => onSelectLayer(d.name));
    rowSel
      .select('text.row-sub')
      .attr('x', layout.labelX)
      .attr('y', 11)
      .attr('text-anchor', 'end')
      .text((d) => (d.n === 1 ? '1 channel' : `${d.n} channels`));
    // comparing models of other architectures: the second model's layer matched with the row
    const bLayer = (name) => (record ? record.matching?.[name]?.layer_b ?? null : null);
    rowSel
      .select('text.row-b')
      .attr('x', layout.labelX)
      .attr('y', 23)
      .attr('text-anchor', 'end')
      .each(function (d) {
        const b = bLayer(d.name);
        const label = d3.select(this).text(b && b !== d.name ? `↔ ${b}` : '');
        if (b && b !== d.name) label.append('title').text(`${modelNames[1]}'s layer ${b}, its channels matched with ${d.name}'s`);
      });

    // Edges: a visible curve plus a wider transparent one that catches the pointer ------
    const link = d3
      .linkVertical()
      .x((p) => p.x)
      .y((p) => p.y);
    const edgePath = (e) => {
      const s = nodeById.get(e.source);
      const tg = nodeById.get(e.target);
      return link({ source: { x: s.x, y: s.y - s.r }, target: { x: tg.x, y: tg.y + tg.r } });
    };
    const edgeSel = edgesG
      .selectAll('g.edge')
      .data(edges, (e) => e.id)
      .join(
        (enter) => {
          const g = enter.append('g').attr('class', 'edge').attr('opacity', 0);
          g.append('path').attr('class', 'edge-line').attr('d', edgePath);
          g.append('path').attr('class', 'edge-hit').attr('d', edgePath);
          return g;
        },
        (update) => update,
        (exit) => exit.classed('leaving', true).transition(t).attr('opacity', 0).remove(),
      )
      .classed('leaving', false)
      .attr('data-membership', (e) => e.membership ?? 'single')
      .order();
    edgeSel.transition(t).attr('opacity', 1);
    edgeSel.select('path.edge-line').transition(t).attr('d', edgePath).attr('stroke-width', (e) => e.width);
    edgeSel.select('path.edge-hit').attr('d', edgePath).attr('stroke-width', (e) => Math.max(8, e.width + 4));

    // Vertices -------------------------------------------------------------
    shows = new Map(nodes.map((n) => [n.id, rendersOf(n)]));
    const sprite = (n) => shows.get(n.id)[0].sprite; // the whole disc's image
    const failed = (n) => shows.get(n.id)[0].failed;
    const half = (n) => shows.get(n.id)[1] ?? null; // comparing models: B's side of a matched pair
    const nodeSel = nodesG
      .selectAll('g.node')
      .data(nodes, (n) => n.id)
      .join(
        (enter) => {
          const g = enter
            .append('g')
            .attr('class', 'node')
            .attr('tabindex', 0)
            .attr('role', 'button')
            .attr('transform', (n) => `translate(${n.x},${n.y}) scale(0.01)`);
          g.append('circle');
          g.append('path').attr('class', 'half-image');
          g.append('path').attr('class', 'half');
          g.append('text');
          g.append('path').attr('class', 'support-track');
          g.append('path').attr('class', 'support-arc');
          return g;
        },
        (update) => update,
        (exit) => exit.classed('leaving', true).transition(t).attr('opacity', 0).remove(),
      )
      .order()
      .classed('leaving', false)
      .attr('data-id', (n) => n.id)
      .attr('data-membership', (n) => n.membership ?? 'single')
      .attr('aria-disabled', (n) => (parseChannel(study, n.id) ? null : 'true'))
      .classed('selected', (n) => n.id === st.channel)
      .classed('motif', (n) => Boolean(st.highlight?.ids.has(n.id)))
      .classed('beyond', (n) => beyond.has(n.id));
    nodeSel
      .transition(t)
      .attr('opacity', 1)
      .attr('transform', (n) => `translate(${n.x},${n.y})`);
    nodeSel.select('circle').attr('r', (n) => n.r);
    // A vertex with an image is filled with a pattern cropping its atlas; the pattern's
    // viewBox moves along the atlas row to show a diversity image. B's side of a matched pair
    // is a right half-disc filled with a pattern laid over the whole disc, so it shows the
    // right half of B's render beside the left half of A's.
    defs
      .selectAll('pattern.vertex-image')
      .data(nodes.filter(sprite), (n) => n.id)
      .join((enter) => {
        const p = enter
          .append('pattern')
          .attr('class', 'vertex-image')
          .attr('id', patternId)
          .attr('patternUnits', 'objectBoundingBox')
          .attr('width', 1)
          .attr('height', 1)
          .attr('preserveAspectRatio', 'none');
        p.append('image').attr('preserveAspectRatio', 'none');
        return p;
      })
      .each(function (n) {
        fillPattern(d3.select(this), sprite(n));
      });
    defs
      .selectAll('pattern.half-image')
      .data(nodes.filter((n) => half(n)?.sprite), (n) => n.id)
      .join((enter) => {
        const p = enter
          .append('pattern')
          .attr('class', 'half-image')
          .attr('id', (n) => `${patternId(n)}-b`)
          .attr('patternUnits', 'userSpaceOnUse')
          .attr('preserveAspectRatio', 'none');
        p.append('image').attr('preserveAspectRatio', 'none');
        return p;
      })
      .each(function (n) {
        fillPattern(d3.select(this).attr('x', -n.r).attr('y', -n.r).attr('width', 2 * n.r).attr('height', 2 * n.r), half(n).sprite);
      });
    const anyImage = (n) => Boolean(sprite(n) || half(n)?.sprite);
    nodeSel
      .classed('has-image', anyImage)
      .classed('render-failed', (n) => Boolean(failed(n)))
      .select('circle')
      .style('fill', (n) => (sprite(n) ? `url(#${patternId(n)})` : failed(n) ? `url(#${HATCH})` : null));
    nodeSel
      .select('path.half-image')
      .attr('d', (n) => (half(n) ? halfDisc(n.r) : null))
      .style('fill', (n) => (half(n)?.sprite ? `url(#${patternId(n)}-b)` : half(n)?.failed ? `url(#${HATCH})` : null));
    nodeSel
      .select('path.half')
      .attr('d', (n) => {
        if (n.membership !== 'both') return null;
        const marked = anyImage(n) || failed(n) || half(n)?.failed;
        if (half(n)) return marked ? halfRing(n.r) : null; // the half-disc is B's side already
        return marked ? halfRing(n.r) : halfDisc(n.r);
      });
    const label = (n) => (record ? vertexLabel(n) : String(n.channel));
    nodeSel
      .select('text')
      .text((n) => (anyImage(n) ? '' : label(n)))
      .style('font-size', (n) => `${clamp((2 * n.r - 2) / (0.62 * label(n).length + 0.3), 7, 12)}px`);

    bindHover(nodeSel, edgeSel, edges);
    applyLayerHighlight();
    applyStyles();
    if (refit) {
      fit = fitTransform(layout.bounds, width, height);
      svg.interrupt().call(zoom.transform, fit);
    }
    setMessage(nodes.length ? '' : 'No vertex passes the count filter.');
  }

  /**
   * What a vertex shows, per render (models.js `vertexRenders`; one unless a matched pair of
   * two models): `{render, sprite, failed}`, the image (a feature visualization, else for this
   * model's channels a dataset example) or null, and null or why the render failed. A vertex
   * beyond the configured graph shows only a rendered feature visualization.
   */
  function rendersOf(n) {
    const renders = record ? vertexRenders(n) : [{ model: 'a', layer: n.layer, channel: n.channel }];
    return renders.map((r) => {
      const fv = featvisOf(r);
      if (r.model === 'b' || beyond.has(n.id)) return { render: r, sprite: fv && !fv.failed ? fv : null, failed: fv?.failed ?? null };
      return { render: r, sprite: vertexSprite(study, r.layer, r.channel), failed: renderFailure(study, r.layer, r.channel) };
    });
  }

  /** A render's feature visualizations, in its own model's atlas. */
  const featvisOf = (r) => (r.model === 'b' ? modelFeatvisSprite(study, r.layer, r.channel) : featvisSprite(study, r.layer, r.channel));

  /** Point a vertex pattern (d3 selection) at a sprite's first image. */
  function fillPattern(pattern, sp) {
    pattern.attr('viewBox', `${sp.x} ${sp.y} ${sp.size} ${sp.size}`);
    pattern.select('image').attr('href', sp.href).attr('width', sp.atlasWidth).attr('height', sp.atlasHeight);
  }

  /** The classes drawn: the selected one, and the comparison class if any. */
  function shownClasses() {
    return [st.classIndex, st.compareIndex].filter((i) => i != null).map((i) => study.classes[i]);
  }

  /** The panels' marks (graphStyle) on the drawn vertices and edges, their legend, and the
   * vertices' labels and the tally; again whenever a panel's record arrives. */
  function applyStyles() {
    if (!layout) return;
    const classes = shownClasses();
    const byClass = classes.map((cls) => graphStyles(cls));
    const compared = classes.length > 1;
    // A vertex or edge of one compared class takes that class's styles; of both, both's.
    // Comparing models, the class's records are about this model's graph: not the other's.
    const own = [[classes[0], byClass[0]]];
    const other = compared ? [[classes[1], byClass[1]]] : [];
    const stylesFor = (membership) => (record ? (membership === 'b' ? [] : own) : membership === 'b' ? other : membership === 'both' ? [...own, ...other] : own);
    const named = (cls, label) => (compared ? `${label} in ${cls.name}` : label);
    const combine = (membership, get) => {
      const found = stylesFor(membership).flatMap(([cls, styles]) => styles.map((s) => [cls, get(s)])).filter(([, v]) => v);
      return found.length ? found : null;
    };
    styleOf = new Map(
      layout.nodes.map((n) => {
        const found = combine(n.membership, (s) => s.vertex?.(n.id));
        if (!found) return [n.id, null];
        const arcs = found.map(([, v]) => v.arc).filter(isNum);
        return [
          n.id,
          {
            arc: arcs.length ? Math.min(...arcs) : null, // the weaker
            mark: found.map(([, v]) => v.mark).find(Boolean) ?? null,
            label: found.filter(([, v]) => v.label).map(([cls, v]) => named(cls, v.label)).join(', ') || null,
          },
        ];
      }),
    );
    const nodeSel = nodesG.selectAll('g.node:not(.leaving)');
    const style = (n) => styleOf.get(n.id) ?? null;
    nodeSel
      .classed('marked', (n) => Boolean(style(n)?.mark))
      .attr('data-mark', (n) => style(n)?.mark ?? null)
      .attr('data-arc', (n) => (isNum(style(n)?.arc) ? String(style(n).arc) : null))
      .attr('aria-label', ariaLabel);
    nodeSel.select('path.support-track').attr('d', (n) => (isNum(style(n)?.arc) ? ring(n.r, 1) : null));
    nodeSel.select('path.support-arc').attr('d', (n) => (isNum(style(n)?.arc) && style(n).arc > 0 ? ring(n.r, style(n).arc) : null));
    edgesG
      .selectAll('g.edge:not(.leaving)')
      .each(function (e) {
        const found = combine(e.membership, (s) => s.edge?.(e.source, e.target));
        const opacities = (found || []).map(([, v]) => v.opacity).filter(isNum);
        e.lines = (found || []).filter(([, v]) => v.line).map(([cls, v]) => [named(cls, v.line[0]), v.line[1]]);
        this.style.setProperty('--support-opacity', opacities.length ? String(clamp(Math.min(...opacities), 0, 1)) : '1');
      });
    showLegend(byClass.flat());
    showStats();
  }

  function showLegend(styles) {
    const items = [];
    const seen = new Set();
    for (const item of styles.flatMap((s) => s.legend || [])) {
      const key = `${item.mark}|${item.text}`;
      if (!seen.has(key)) items.push(item);
      seen.add(key);
    }
    if (beyond.size && slider) items.push({ mark: 'beyond', text: `pale: not in the graph at ${formatShare(slider.share)}` });
    supportLegend.attr('hidden', items.length ? null : '');
    const entries = supportLegend
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

  function ariaLabel(n) {
    const s = styleOf.get(n.id);
    const failed = shows.get(n.id)?.some((x) => x.failed);
    return (
      `${vertexName(n)}, count ${formatInt(n.count)}${membershipText(n)}` +
      `${beyond.has(n.id) ? ', beyond the configured graph' : ''}${s?.label ? `, ${s.label}` : ''}${s?.mark ? `, ${s.mark}` : ''}` +
      `${failed ? ', render failed' : ''}`
    );
  }

  /** The graph's tally: vertices, edges, the vertices beyond the configured graph, marked by a
   * panel, or whose render failed. */
  function showStats() {
    if (!layout) return;
    const { nodes, edges } = layout;
    const parts = [`${formatInt(nodes.length)} vertices`, `${formatInt(edges.length)} edges`];
    const nBeyond = nodes.filter((n) => beyond.has(n.id)).length;
    if (nBeyond && slider) parts.push(`${formatInt(nBeyond)} beyond ${formatShare(slider.share)}`);
    const marks = d3.rollups(nodes.filter((n) => styleOf.get(n.id)?.mark), (v) => v.length, (n) => styleOf.get(n.id).mark);
    for (const [mark, k] of marks) parts.push(`${formatInt(k)} ${mark}`);
    const nFailed = nodes.filter((n) => shows.get(n.id)?.some((x) => x.failed)).length;
    if (nFailed) parts.push(`${formatInt(nFailed)} hatched: render failed`);
    // comparing models, the legend counts the vertices of each kind
    const by = d3.rollup(nodes, (v) => v.length, (n) => n.membership);
    for (const m of ['a', 'b', 'both']) d3.select(`#legend-${m}-n`).text(record ? ` (${formatInt(by.get(m) ?? 0)})` : '');
    stats.text(parts.join(' · '));
    if (record) {
      // the configured graphs' share; the record's, so it is the one the analyses state
      stats
        .append('span')
        .attr('class', 'kept')
        .attr('title', `The share of ${modelNames[0]}'s graph's vertices that ${modelNames[1]}'s graph has too, through the channel matching; resamples: 5th–95th percentile over resample b of one model's graph against resample b of the other's`)
        .text(` · ${modelNames[1]} keeps ${shareWithSpread(record.conserved?.vertices, record.stability?.conserved)} of ${modelNames[0]}'s vertices, ${formatPct(record.conserved?.edges)} of its edges`);
    }
  }

  function membershipText(n) {
    if (!n.membership) return '';
    const names = record
      ? { a: `${modelNames[0]} only`, b: `${modelNames[1]} only`, both: 'both models' }
      : { a: 'selected class only', b: 'comparison class only', both: 'both classes' };
    return `, in ${names[n.membership]}`;
  }

  /** "l2 channel 5", or for a vertex of the second model alone its own layer and channel. */
  function vertexName(n) {
    if (record && n.membership === 'b') return `${modelNames[1]}'s ${n.b_layer} channel ${n.b_channel}`;
    return `${n.layer} channel ${n.channel}`;
  }

  function cardRows(n, edges) {
    if (record) return modelRows(n, edges);
    const rows = [['layer', n.layer], ['channel', String(n.channel)]];
    if (n.counts) {
      rows.push([`count in ${study.classes[st.classIndex].name}`, formatInt(n.counts.a)]);
      rows.push([`count in ${study.classes[st.compareIndex].name}`, formatInt(n.counts.b)]);
    } else rows.push(['count', formatInt(n.count)]);
    rows.push(['pagerank', formatSig(n.pagerank)]);
    if (!n.counts && isNum(entryShare.get(n.id))) {
      rows.push(['enters the graph at', `${formatShare(entryShare.get(n.id))}${beyond.has(n.id) ? ' (beyond the configured)' : ''}`]);
    }
    const shown = n.counts ? [st.classIndex, st.compareIndex] : [st.classIndex];
    for (const cls of shown.map((i) => study.classes[i])) {
      for (const [key, value] of vertexLines(cls, n.id)) rows.push([n.counts ? `${key} in ${cls.name}` : key, value]);
    }
    rows.push(edgeRow(n, edges));
    return rows;
  }

  function edgeRow(n, edges) {
    const inE = edges.filter((e) => e.target === n.id).length;
    const outE = edges.filter((e) => e.source === n.id).length;
    return ['edges in / out', `${inE} / ${outE}`];
  }

  /** The card's rows comparing models: each model's channel, the match's score, the counts. */
  function modelRows(n, edges) {
    const [a, b] = modelNames;
    const matched = isNum(n.score);
    const rows = [['in', { a: `${a} only`, b: `${b} only`, both: 'both models' }[n.membership]]];
    const mine = n.membership !== 'b' ? `${n.layer}:${n.channel}` : matched ? `${n.layer}:${n.channel} (not in its graph)` : '– (unmatched)';
    rows.push([`${a} channel`, mine]);
    rows.push([`${b} channel`, n.membership === 'a' ? '– (not in its graph)' : `${n.b_layer}:${n.b_channel}`]);
    rows.push(['match score', matched ? formatFixed(n.score) : n.membership === 'a' ? '–' : 'unmatched']);
    rows.push([`count in ${a}`, formatInt(n.counts?.a)]);
    rows.push([`count in ${b}`, formatInt(n.counts?.b)]);
    if (n.membership !== 'b') {
      rows.push(['pagerank', formatSig(n.pagerank)]);
      for (const [key, value] of vertexLines(study.classes[st.classIndex], n.id)) rows.push([key, value]);
    }
    rows.push(edgeRow(n, edges));
    return rows;
  }

  /** The hover card: details and the channel's images now, then its dataset examples' classes
   * and the class's activation density as they load. */
  function showCard(at, n, edges) {
    const token = ++hoverToken;
    const title = record && n.membership === 'b' ? `${n.b_layer} · channel ${n.b_channel} of ${modelNames[1]}` : `${n.layer} · channel ${n.channel}`;
    const tip = showTooltip(at, title, cardRows(n, edges));
    const renders = record ? vertexRenders(n) : [{ model: 'a', layer: n.layer, channel: n.channel }];
    for (const r of renders) {
      const fv = featvisOf(r);
      const whose = record ? ` · ${modelNames[r.model === 'a' ? 0 : 1]}` : '';
      if (fv?.failed) {
        const note = caption(`render failed${whose}: ${fv.failed}`);
        note.classList.add('tt-failed');
        tip.append(note);
      } else if (fv) {
        const strip = document.createElement('div');
        strip.className = 'tt-featvis';
        strip.dataset.model = r.model;
        for (let j = 0; j < fv.count; j++) {
          const tile = spriteTile(fv, j, j === 0 ? 56 : 34, 'sprite');
          tile.classList.toggle('current', j === 0);
          strip.append(tile);
        }
        tip.append(caption(`${fv.count > 1 ? 'feature visualization · diversity' : 'feature visualization'}${whose}`), strip);
      }
    }
    if (record && n.membership === 'b') {
      moveTooltip(at);
      return; // the rest is about this model's channels
    }
    const ex = examplesSprite(study, n.layer, n.channel);
    let exCaption = null;
    if (ex) {
      const grid = document.createElement('div');
      grid.className = 'tt-examples';
      for (let k = 0; k < ex.count; k++) grid.append(spriteTile(ex, k, 38, 'sprite'));
      exCaption = caption('top dataset examples');
      tip.append(exCaption, grid);
    }
    moveTooltip(at);
    if (ex) {
      loadExamples(study, n.layer)
        .then((channels) => {
          if (token !== hoverToken || tip.hidden || !channels?.[n.channel]) return;
          const entries = channels[n.channel];
          exCaption.textContent = entries.length
            ? `top ${entries.length} dataset examples: ${exampleClassSummary(entries)}`
            : 'no dataset examples';
        })
        .catch(() => {}); // the patches stay useful without their classes
    }
    loadClassLayerStats(study, st.classIndex, n.layer)
      .then((s) => {
        if (token !== hoverToken || tip.hidden) return;
        const box = document.createElement('div');
        box.className = 'tt-density';
        box.append(caption(`activation over ${study.classes[st.classIndex].name} (low → high)`));
        tip.append(box);
        d3.select(box).append('svg').call(drawDensity, s.class?.[n.channel], { width: 200, height: 14 });
        moveTooltip(at);
      })
      .catch(() => {}); // the card stays useful without the histogram
  }

  function caption(text) {
    const div = document.createElement('div');
    div.className = 'tt-key tt-caption';
    div.textContent = text;
    return div;
  }

  /** Moving across a vertex (at share `f` of its width, from the left) shows the matching
   * diversity image of each of its feature visualizations. */
  function showDiversity(n, f) {
    (shows.get(n.id) ?? []).forEach(({ render }, side) => {
      const fv = featvisOf(render);
      if (!fv || fv.failed || fv.count < 2) return;
      const j = clamp(Math.floor(f * fv.count), 0, fv.count - 1);
      d3.select(`#${patternId(n)}${side ? '-b' : ''}`).attr('viewBox', `${fv.x + j * fv.size} ${fv.y} ${fv.size} ${fv.size}`);
      d3.selectAll(`#tooltip .tt-featvis[data-model="${render.model}"] .sprite`).classed('current', (_, k) => k === j);
    });
  }

  function diversityAt(event, element, n) {
    const [x] = d3.pointer(event, element);
    return clamp((x + n.r) / (2 * n.r), 0, 1);
  }

  function bindHover(nodeSel, edgeSel, edges) {
    const highlightNode = (n) => {
      const neighbours = new Set([n.id]);
      for (const e of edges) {
        if (e.source === n.id) neighbours.add(e.target);
        if (e.target === n.id) neighbours.add(e.source);
      }
      svg.classed('hovering', true);
      edgeSel.classed('hl', (e) => e.source === n.id || e.target === n.id);
      nodeSel.classed('hl', (m) => neighbours.has(m.id)).classed('active', (m) => m.id === n.id);
    };
    const highlightEdge = (e) => {
      svg.classed('hovering', true);
      edgeSel.classed('hl', (f) => f === e);
      nodeSel.classed('hl', (m) => m.id === e.source || m.id === e.target).classed('active', false);
    };
    const unhighlight = (event, n) => {
      if (n?.layer) showDiversity(n, 0);
      hoverToken += 1;
      svg.classed('hovering', false);
      edgeSel.classed('hl', false);
      nodeSel.classed('hl', false).classed('active', false);
      hideTooltip();
    };
    nodeSel
      .on('mouseenter', (event, n) => {
        highlightNode(n);
        showCard(event, n, edges);
      })
      .on('mousemove', function (event, n) {
        showDiversity(n, diversityAt(event, this, n));
        moveTooltip(event);
      })
      .on('mouseleave', unhighlight)
      .on('focus', function (event, n) {
        highlightNode(n);
        showCard(elementAnchor(this), n, edges);
      })
      .on('blur', unhighlight)
      .on('click', (event, n) => select(n))
      .on('keydown', (event, n) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          select(n);
        }
      });
    edgeSel
      .on('mouseenter', (event, e) => {
        highlightEdge(e);
        showTooltip(event, `${e.source} → ${e.target}`, [['weight', formatInt(e.weight)], ...(e.lines || [])]);
      })
      .on('mousemove', (event) => moveTooltip(event))
      .on('mouseleave', unhighlight);
  }

  /** Select a vertex's channel; a vertex of the second model alone ("l2:b7") is no channel of
   * this model's and selects nothing. */
  function select(n) {
    if (parseChannel(study, n.id)) onSelectChannel(n.id);
  }

  function applyLayerHighlight() {
    rowsG.selectAll('rect.row-band').classed('current', (d) => d.name === st.layer);
    rowsG.selectAll('text.row-label').classed('current', (d) => d.name === st.layer);
  }

  /** Whether the second model's graph is drawn with the selected class's. */
  const comparingModels = () => Boolean(modelNames && st.models);

  function showHeading() {
    const cls = study.classes[st.classIndex];
    const other = st.compareIndex == null ? null : study.classes[st.compareIndex];
    const models = comparingModels();
    classLabel.text(models ? `— ${cls.name}: ${modelNames[0]} vs ${modelNames[1]}` : other ? `— ${cls.name} vs ${other.name}` : `— ${cls.name}`);
    d3.select('#graph-heading').attr('title', classLabel.text().slice(2));
    legend.hidden = !other && !models;
    const names = models ? modelNames : other ? [cls.name, other.name] : null;
    if (names) {
      const titles = models ? fullNames : names;
      d3.select('#legend-a').text(names[0]).attr('title', titles[0]);
      d3.select('#legend-b').text(names[1]).attr('title', titles[1]);
    }
    d3.select('#legend-both')
      .text(models ? "both: each half its model's render" : 'both')
      .attr('title', models ? `A channel of ${modelNames[0]} matched with one of ${modelNames[1]}, both in their graphs: one vertex, ${modelNames[0]}'s render on the left half, ${modelNames[1]}'s on the right` : null);
    modelsToggle.checked = models;
  }

  async function load() {
    const mine = ++ticket;
    const models = comparingModels();
    const picked = (models ? [st.classIndex] : [st.classIndex, st.compareIndex]).filter((i) => i != null).map((i) => study.classes[i]);
    showHeading();
    hideTooltip();
    let graphs;
    let compared = null;
    try {
      [compared, ...graphs] = await Promise.all([models ? loadModelComparison(study, picked[0]) : null, ...picked.map(loadGraph)]);
    } catch (err) {
      if (mine !== ticket) return;
      graphData = null;
      sources = [];
      record = null;
      layout = null;
      rowsG.selectAll('*').remove();
      edgesG.selectAll('*').remove();
      nodesG.selectAll('*').remove();
      stats.text('');
      setMessage(`Could not load the attribution graph: ${err.message}`, true);
      showError(`Could not load an attribution graph: ${err.message}`);
      return;
    }
    if (mine !== ticket) return; // a newer selection superseded this one
    record = compared;
    sources = record ? [graphs[0], record.graph_b] : graphs;
    setUpShare(picked);
    rebuild();
    render({ refit: true, animate: layout !== null });
  }

  /** The share slider of the drawn graphs (the selected class's, else the compared one's):
   * hidden without slider data; a value moved away from the configured share is kept while
   * the slider stays the same (the study's setting), else it starts at the configured one. */
  function setUpShare(picked) {
    // comparing models: the graphs as configured (the second model's has no other share)
    const next = record ? null : sources.map((g, k) => sliderOf(g, picked[k]?.share)).find(Boolean) ?? null;
    const same = slider && next && slider.share === next.share && slider.range.every((v, k) => v === next.range[k]);
    slider = next;
    share.control.hidden = !slider;
    if (!slider) {
      shareValue = null;
      return;
    }
    if (!same || !isNum(shareValue)) shareValue = slider.share;
    share.input.min = String(slider.range[0]);
    share.input.max = String(slider.range[1]);
    share.input.step = String(SHARE_STEP);
    share.input.value = String(shareValue);
    share.tick.value = String(slider.share);
    share.reset.title = `Back to the configured share, ${formatShare(slider.share)}`;
    share.reset.setAttribute('aria-label', share.reset.title);
    showSliderValues();
  }

  /** The graph drawn: each shown class's graph at the slider's share, their union if two. */
  function rebuild() {
    const shown = sources.map((g) => (slider ? graphAtShare(g, shareValue, slider.share) : g));
    graphData = shown.length > 1 ? union(shown[0], shown[1]) : shown[0];
    maxCount = d3.max(graphData.nodes, (n) => n.count) || 0;
    const configured = new Set(shown.flatMap((g) => g.nodes.filter((n) => !n.beyond).map((n) => n.id)));
    beyond = new Set(graphData.nodes.filter((n) => !configured.has(n.id)).map((n) => n.id));
    entryShare = new Map(shown[0].nodes.map((n) => [n.id, n.entry_share]));
  }

  for (const input of Object.values(sliders)) input.addEventListener('input', () => render());
  share.input.addEventListener('input', () => {
    if (!slider || !sources.length) return;
    shareValue = readShare(share.input.value);
    rebuild();
    render();
  });
  share.reset.addEventListener('click', () => {
    if (!slider || !sources.length) return;
    shareValue = slider.share;
    share.input.value = String(shareValue);
    rebuild();
    render();
  });
  showSliderValues();

  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => render({ refit: true, animate: false }), 120);
  }).observe(body);

  function showHighlight() {
    const h = st.highlight;
    highlightLegend.hidden = !h;
    d3.select('#highlight-label').text(h ? `${h.label}: ${h.ids.size} channels marked` : '');
    nodesG.selectAll('g.node').classed('motif', (n) => Boolean(h?.ids.has(n.id)));
  }

  return {
    /** Draw the panels' marks again (a panel's record arrived). */
    restyle: () => applyStyles(),
    update(state, changed) {
      st = state;
      if (changed.has('layer')) applyLayerHighlight();
      if (['classIndex', 'compareIndex', 'models', 'study'].some((k) => changed.has(k))) load();
      else if (changed.has('channel')) nodesG.selectAll('g.node').classed('selected', (n) => n.id === st.channel);
      if (changed.has('highlight') || changed.has('study')) showHighlight();
    },
  };
}
